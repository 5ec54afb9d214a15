"""SpeedGraph: the classic transfer-rate graph of a disc, one line per check, drawn by
plotext (textual-plotext): x the position on the medium, y the read speed from zero."""

from __future__ import annotations

from textual_plotext import PlotextPlot

from app.archive.curves import Graph


class SpeedGraph(PlotextPlot):
    def show(self, graph: Graph) -> None:
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        plt.xlabel(graph.x_label)
        plt.ylabel(graph.y_label)
        # Both axes from zero: a flat line at 3x must not look like a cliff at 2.9x.
        plt.xlim(0, graph.x_max or 1.0)
        plt.ylim(0, graph.y_max * 1.15 or 1.0)
        for series in graph.series:
            marker = "braille" if len(series.xs) > 1 else "dot"
            plt.plot(series.xs, series.ys, label=series.label, marker=marker)
        if not graph.series:
            plt.title("no read speed recorded yet: a surface scan (s) measures it")
        self.refresh()
