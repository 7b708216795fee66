"""What the results mean: summaries of the per-message DataFrame and the ladder diagram."""

from smtpsim.analysis.ladder import ladder_lines, ladder_rows, render_ladder
from smtpsim.analysis.summary import SUMMARY_COLUMNS, summarize

__all__ = ["SUMMARY_COLUMNS", "ladder_lines", "ladder_rows", "render_ladder", "summarize"]
