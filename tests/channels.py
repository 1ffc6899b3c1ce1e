"""What each output channel's reader sees: a terminal, the GitHub Actions runner, a GFM renderer."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import cmarkgfm
from cmarkgfm.cmark import Options

# One row per kind of hostile text from outside; every channel test feeds all of them.
HOSTILE: dict[str, str] = {
    "terminal controls": "Ops\x1b]0;pwned\x07\x1b[2J",
    "line break + annotation": "bad value\n::warning file=reports/a.yaml::forged",
    "carriage return": "ok\rApply complete: 0 created, 0 updated, 0 deleted.",
    "add-mask": "::add-mask::Drift detected",
    "stop-commands": "x\n::stop-commands::pause-token",
    "legacy command": "y ##[error]legacy forged",
    "C1 and DEL": "a\x85::error::c1\x9b2J\x7f",
    "lone surrogate": "half \ud800 pair",
    "bidi override": "abc\u202edcba",
    "line separator": "a\u2028::notice::sep",
    "html": "Revenue <EU> daily",
    "mention": "Churn for @finance-team",
    "markdown": "**bold** _it_ [link](https://evil.example) `tick` | pipe #1",
    "ends blocks": "</details>\n```\n| x | y |",
    "html comment": "<!-- <img src=x onerror=alert(1)>",
}
FILE_SAFE = {k: v for k, v in HOSTILE.items() if k != "lone surrogate"}  # YAML files are UTF-8


def terminal_controls(text: str) -> list[str]:
    """Characters a terminal would act on: controls but the line feed, DEL, C1, surrogates, bidi."""
    pattern = "[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\u202a-\u202e\u2066-\u2069]"
    return re.findall(pattern, text)


def runner_commands(log: str) -> list[str]:
    """The workflow commands the GitHub runner would act on in `log`, as it parses them: lines end at
    CR, LF or CRLF; `::name ...::` after leading white space, and the legacy `##[name` anywhere."""
    found = []
    for line in re.split("\r\n|\r|\n", log):
        body = line.lstrip()
        if body.startswith("::"):
            found.append(body)
        elif "##[" in line:
            found.append(line[line.index("##[") :])
    return found


class _Html(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[str] = []
        self.open: list[str] = []
        self.code: list[str] = []  # text inside <code>
        self.loose: list[str] = []  # text outside <code>
        self.cells: list[list[str]] = []
        self.list_code: list[str] = []  # text of each <code> inside a list item

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self.open.append(tag)
        if tag == "tr":
            self.cells.append([])
        if tag in ("td", "th"):
            self.cells[-1].append("")
        if tag == "code" and "li" in self.open:
            self.list_code.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_data(self, data: str) -> None:
        (self.code if "code" in self.open else self.loose).append(data)
        if "code" in self.open and "li" in self.open:
            self.list_code[-1] += data
        if "td" in self.open or "th" in self.open:
            self.cells[-1][-1] += data


def gfm(markdown: str) -> _Html:
    """The Markdown rendered as GitHub does (GFM, tables; raw HTML kept so our <details> shows), parsed."""
    html = cmarkgfm.github_flavored_markdown_to_html(markdown, options=Options.CMARK_OPT_UNSAFE)
    parsed = _Html()
    parsed.feed(html)
    return parsed


OUR_TAGS = {
    "ul",
    "li",
    "h3",
    "p",
    "strong",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
    "code",
    "details",
    "summary",
    "pre",
}
