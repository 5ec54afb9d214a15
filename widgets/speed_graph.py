"""SpeedGraph: the classic transfer-rate graph of a disc, one line per check, drawn by
plotext (textual-plotext): x the position on the medium, y the read speed from zero.

The axes are named in the frame's title (`axes_title`), not by plotext: plotext puts the
x and y labels on one line under the graph and drops the x label when both do not fit
(at 60 columns the graph lost "position on the medium"). The title also leaves the graph
one more row."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from app.archive.curves import Graph


def axes_title(graph: Graph) -> str:
    """What the axes measure, for the graph's frame: "Read speed (x DVD) by position on
    the medium (MB)" (49 columns: it fits a 60-column frame)."""
    return f"{graph.y_label[:1].upper()}{graph.y_label[1:]} by {graph.x_label}"


class SpeedGraph(PlotextPlot):
    def show(self, graph: Graph) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        # Both axes from zero: a flat line at 3x must not look like a cliff at 2.9x.
        plt.xlim(0, graph.x_max or 1.0)
        plt.ylim(0, graph.y_max * 1.15 or 1.0)
        for series in graph.series:
            marker = "braille" if len(series.xs) > 1 else "dot"
            plt.plot(series.xs, series.ys, label=series.label, marker=marker)
        if not graph.series:
            plt.title("no read speed recorded yet: a surface scan (s) measures it")
        self.refresh()
