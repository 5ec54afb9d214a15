"""Arguments and journal lines made readable: shell words, escapes, one screen line each."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from app.engine.journal import CHANNELS, Journal, journal_lines
from app.engine.readable import printable, readable, shell_words

HOSTILE_ARGV = [
    "xorriso",
    "-map",
    "/home/u/Документы/Отчёт за март.txt",  # Cyrillic, spaces
    os.fsdecode(b"/home/u/caf\xe9 \xff"),  # not UTF-8
    "/new\nline",  # a newline in a name
    "/\x1b[31mred",  # a terminal escape code
    "/tab\there",
    "",
]


def test_shell_words_are_readable_and_one_word_per_argument() -> None:
    words = shell_words(HOSTILE_ARGV)
    assert words == (
        "xorriso -map '/home/u/Документы/Отчёт за март.txt' $'/home/u/caf\\xe9 \\xff' "
        "$'/new\\nline' $'/\\x1b[31mred' $'/tab\\there' ''"
    )
    assert words.isprintable()


def test_shell_words_pasted_into_bash_give_the_exact_bytes(tmp_path: Path) -> None:
    """What the confirmation's `c` and the journal show, run by bash: every argument
    arrives byte for byte (bash's own reading, not ours)."""
    argv = [*HOSTILE_ARGV[2:], os.fsdecode(b"it's \\ a \xff'\\x41"), "-dash", "$(x)`y`*"]
    script = "for a in " + shell_words(argv) + '; do printf "%s\\0" "$a"; done'
    out = subprocess.run(["bash", "-c", script], capture_output=True, check=True).stdout
    assert out.split(b"\0")[:-1] == [os.fsencode(arg) for arg in argv]


def test_printable_and_readable() -> None:
    assert printable("Отчёт") == "Отчёт"
    assert printable("a\u2028b\x7f\x85") == "a\\u2028b\\x7f\\x85"
    assert readable(os.fsdecode(b"\xe9t\xc3\xa9")) == "\\xe9té"


def test_journal_lines_show_the_argv_as_shell_words(tmp_path: Path) -> None:
    journal = Journal(tmp_path, "burn", HOSTILE_ARGV)
    journal.line("I", "xorriso : UPDATE : Writing: 50%", 1.0)
    journal.finish(0, "NOTE", "ok", "written")
    raw = journal.path.read_bytes()
    assert b"\\u041e" in raw  # the file keeps its JSON argv (and Cyrillic escaped in it)
    assert raw.count(b"\n") > len(journal_lines(journal.path))  # the raw command: 2 lines
    lines = journal_lines(journal.path)
    assert lines[2] == "argv: " + shell_words(HOSTILE_ARGV)
    # the raw command (spread over two lines by the newline) left out; the channels' legend
    assert lines[3:5] == [CHANNELS, ""]
    assert not any(line.startswith(("command:", "line'")) for line in lines)
    assert all(line.isprintable() for line in lines)
    assert "outcome: ok" in lines


def test_journal_lines_keep_an_argv_that_is_not_json_and_cut_long_journals(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.log"
    body = [f"{n:9.3f} I line {n}" for n in range(50)]
    path.write_bytes(
        "\n".join(
            ["# discdeck journal: burn", "argv: [broken", "command: xorriso -x", "", *body]
        ).encode()
        + b"\n\xff\xfe the end\n"
    )
    lines = journal_lines(path)
    assert lines[1:3] == ["argv: [broken", "command: xorriso -x"]
    assert lines[-1] == "\\xff\\xfe the end"
    cut = journal_lines(path, limit=10)
    assert cut[0] == f"… {len(lines) - 10} earlier lines not shown …"
    assert cut[1:] == lines[-10:]


def test_journal_labels_the_banner_and_keeps_other_stderr(tmp_path: Path) -> None:
    """xorriso's banner comes on stderr: the journal says B (banner), not E; any other
    stderr line (a signal, an abort) stays E."""
    from app.engine.journal import journal_channel

    assert (
        journal_channel(
            "E", "GNU xorriso 1.5.6 : RockRidge filesystem manipulator, GNU xorriso project."
        )
        == "B"
    )
    assert (
        journal_channel("E", "xorriso 1.5.4 : RockRidge filesystem manipulator, libburnia project.")
        == "B"
    )
    assert journal_channel("E", "xorriso : aborting") == "E"
    assert journal_channel("I", "xorriso 1.5.4 : RockRidge filesystem manipulator") == "I"
    journal = Journal(tmp_path, "burn", ["xorriso"])
    journal.line("E", "xorriso 1.5.4 : RockRidge filesystem manipulator, libburnia project.", 0.1)
    journal.line("E", "Killed", 0.2)
    journal.close()
    body = journal.path.read_text().splitlines()
    assert body[-2].split()[1:3] == ["B", "xorriso"] and body[-1].split()[1:] == ["E", "Killed"]
