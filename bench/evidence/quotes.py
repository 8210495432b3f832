"""Evidence quotes read out of a reply: the answer apart from the sentences quoted for it.

We ask for `Evidence [article id]: "the sentence"` lines after the answer; models drift from
that in every direction (other labels, markdown, ids after the quote or on a line of their
own, no quote marks, JSON). Only text after an evidence label, or a JSON evidence field, is
evidence: a quotation inside the answer sentence is part of the answer."""

from __future__ import annotations

import json
import re
from itertools import pairwise
from typing import Any

from bench.evidence.models import Quote

_ID = r"\d{3}_[0-9a-f]{16}"
_ID_SHAPE = re.compile(_ID).fullmatch
_KW = r"article|doc(?:ument)?|source|id|ref(?:erence)?"
_OPEN = "\"“‘«'„‹「"
_MARKS = "\"“”‘’«»'„‹›「」"
_ADJ = r"(?:supporting|relevant|verbatim|direct|key)[ \t]+"
_LABEL = (rf"(?:{_ADJ})?(?:evidence|quote\(s\)|quot(?:e|es|ation|ations)\b|citations?|sources?"
          rf"|references?)|{_ADJ}(?:sentence\(s\)|sentences?|passages?|excerpts?|text|statements?)")
# A label opening a line (or, checked apart, a part of one), with the article it may name.
_HEADING = re.compile(
    r"[ \t]*(?:#{1,6}[ \t]*)?(?:>[ \t]*)?(?:(?:[-•+]|\*(?=[ \t])|(?P<num>\d{1,2}[.)]))[ \t]+)?"
    rf"(?P<pre>[*_]{{0,3}})[ \t]*(?P<label>{_LABEL})[ \t]*(?:\d{{1,2}}[ \t]*)?"
    r"(?:[\[(](?P<rb>[^\])\n]{1,80})[\])]|(?:(?:from|in)[ \t]+(?:the[ \t]+)?)?"
    rf"(?:(?:article|doc(?:ument)?)[ \t]+)?\[?(?P<rf>{_ID})\]?)?"
    r"[ \t]*[*_]{0,3}[ \t]*(?:[:：=]|[-–—](?=\s)|$|(?=[\"“‘«*_]))", re.IGNORECASE)
_MIDLINE = re.compile(
    r"(?P<punct>[.!?;)\]\"”’»*_])?[ \t]+(?P<paren>\()?(?=[*_]{0,2}(?:evidence|quotes?)\b)",
    re.IGNORECASE)
# A quote line with no label but an id of our shape before or after it.
_HEADLESS = re.compile(
    rf"[ \t]*(?:>[ \t]*|[-•][ \t]+)?(?:(?:[\[(][ \t]*{_ID}[ \t]*[\])]|{_ID})[ \t]*[:\-–—]"
    rf"[ \t]*[{_OPEN}]|[{_OPEN}].*[{_MARKS}][ \t]*[-–—,]?[ \t]*"
    rf"(?:[\[(][^\])\n]*{_ID}[^\])\n]*[\])]|{_ID})[ \t.]*$)")
# An article cited: in brackets (any token, an id only when it has our shape or a keyword
# before it), or bare in our shape.
_CITE = re.compile(
    rf"[\[(][ \t]*(?:(?P<kw>{_KW})\b[ \t]*[:=#]?[ \t]*)?(?P<tok>[^\[\]()\s]+)[ \t]*[\])]"
    rf"|(?:\b(?:{_KW})\b[ \t]*[:=#]?[ \t]*)?(?P<bare>{_ID})\b", re.IGNORECASE)
_BETWEEN = re.compile(rf"(?<=[\"”’»])[ \t]*(?:(?:{_CITE.pattern})[ \t]*)?(?:[;,][ \t]*)?"
                      r"(?:and[ \t]+)?(?=[\"“‘«])", re.IGNORECASE)
_TRAILER_REST = re.compile(r"[\s.,;:\-–—*_|\[\]()]*(?:(?:and|from|in|see)\b[\s.,;:\-–—*_|]*)*")
# A line naming only an article: it gives its id to the quotes before it, or after it when it
# ends in a colon or there are none before.
_ID_LINE = re.compile(
    r"[ \t>*_#\-–—•]*(?:(?P<kw>sources?|from|article|doc(?:ument)?|ref(?:erence)?|id)s?\b"
    r"[ \t*_]*[:=#]?[ \t]*)*(?:the[ \t]+)?(?P<kw2>article|doc(?:ument)?)?[ \t]*[\[(]?[ \t]*"
    rf"(?:(?P<id>{_ID})|(?<=[ \t\[(])(?P<tok>[^\s\[\]()*_:]+))"
    r"[ \t]*[\])]?[ \t*_]*(?P<colon>[:：])?[ \t*_.]*", re.IGNORECASE)
# "The article states that" before a quote mark: the model's words, not the article's.
_PREFACE = re.compile(
    r"[ \t]*(?:(?:the|this)[ \t]+)?(?:article|text|report|source|it)\b[^\"“‘«\n]{0,60}?"
    r"\b(?:says?|stated?|states|reads?|notes?|reports?|mentions?|writes?)(?:[ \t]+that)?"
    r"[ \t]*[:,]?[ \t]*(?=[\"“‘«])", re.IGNORECASE)
_BULLET = re.compile(r"[ \t]*(?:>[ \t]*)+|[ \t]*(?:[-•+]|\*(?=[ \t])|\d{1,2}[.)])[ \t]+")
_CONFIDENCE_LINE = re.compile(r"[ \t>*_#\-]*confidence\b[*_ \t]*[:=]", re.IGNORECASE)
_CONFIDENCE_TAIL = re.compile(
    r"[ \t]+(?P<c>[*_]*confidence[*_]*[ \t]*[:=][ \t]*[*_]*\d*\.?\d+[ \t]*%?)[*_.]*[ \t]*$",
    re.IGNORECASE)
_ANSWER_LINE = re.compile(r"[ \t>*_#\-]*(?:final[ \t]+)?answer\b[*_ \t]*[:=]", re.IGNORECASE)
_RULE = re.compile(r"[ \t]*([-*_=])[ \t]*(?:\1[ \t]*){2,}")
_FENCE = re.compile(r"```[a-zA-Z]*[ \t]*\n?(.*?)```", re.DOTALL)
# "Evidence: none found" says there is none; it quotes nothing (and fabricates nothing).
_NOTHING = re.compile(
    r"[(\[]?\s*(?:none|n/?a|nothing|not applicable|no (?:evidence|quotes?|supporting "
    r"(?:sentences?|quotes?|evidence|passages?)|relevant (?:sentences?|passages?)))"
    r"(?:\s+(?:found|given|available|provided|applicable|in the articles?))?\s*[)\]]?[\s.]*",
    re.IGNORECASE)
# The grader's answer fields, and ours for evidence and its parts.
_ANSWER_KEYS = ("final_answer", "answer", "response", "result", "value", "output", "prediction")
_EVIDENCE_KEYS = ("evidence", "quotes", "quote", "citations", "support", "sources", "references")
_DOC_KEYS = ("doc", "doc_id", "document", "article", "article_id", "id", "source")
_QUOTE_KEYS = ("quote", "text", "sentence", "evidence", "content", "passage")


def split_evidence(text: str) -> tuple[str, tuple[Quote, ...]]:
    """The answer part of a reply (as written, without its evidence section; a Confidence
    line of that section moved to its end) and the quotes given as evidence. A reply without
    evidence comes back unchanged with no quotes."""
    try:
        parsed = _json_reply(text)
        if parsed is not None:
            return parsed
        answer, quotes = _text_reply(text)
        return (answer, quotes) if quotes else _inline_reply(answer)
    except (ValueError, TypeError, RecursionError):
        # A reply we cannot read has no evidence we can check; the answer stays as written.
        return text, ()


def _json_reply(text: str) -> tuple[str, tuple[Quote, ...]] | None:
    fence = _FENCE.search(text)
    body = fence.group(1).strip() if fence else text.strip()
    try:
        data = json.loads(body) if body.startswith("{") else None
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    fields = {str(k).lower(): v for k, v in data.items()}
    key = next((k for k in _ANSWER_KEYS if k in fields), None)
    evidence_key = next((k for k in _EVIDENCE_KEYS if k in fields), None)
    if key is None or evidence_key is None:
        return text, ()
    value = fields[key]
    # As the grader reads a JSON answer field (bench.grading.extract.json_answer).
    answer = ("" if value is None or isinstance(value, dict) else ", ".join(
        str(v) for v in value if v is not None) if isinstance(value, list) else str(value).strip())
    if isinstance(fields.get("confidence"), int | float | str):
        answer += f"\nConfidence: {fields['confidence']}"
    items = fields[evidence_key]
    quotes = [_json_quote(item) for item in (items if isinstance(items, list) else [items])]
    return answer, tuple(q for q in quotes if q is not None)


def _json_quote(item: Any) -> Quote | None:
    doc: str | None = None
    if isinstance(item, dict):
        fields = {str(k).lower(): v for k, v in item.items()}
        raw_doc = next((fields[k] for k in _DOC_KEYS if fields.get(k) not in (None, "")), None)
        if isinstance(raw_doc, str | int):
            doc = str(raw_doc).strip().strip("[]()") or None
        item = next((fields[k] for k in _QUOTE_KEYS if k in fields), None)
    if not isinstance(item, str | int | float) or isinstance(item, bool):
        return None
    quote, own_doc = _one(str(item))
    return _quote(own_doc or doc, quote)


def _quote(doc: str | None, quote: str) -> Quote | None:
    quote = quote.strip()
    if not any(c.isalnum() for c in quote) or _NOTHING.fullmatch(quote):
        return None
    return Quote(doc=doc, quote=quote)


def _text_reply(text: str) -> tuple[str, tuple[Quote, ...]]:
    lines = text.split("\n")
    start = _start(lines)
    if start is None:
        return text, ()
    row, cut, head = start
    before = [*lines[:row], lines[row][:cut]]
    while before and (not before[-1].strip() or _RULE.fullmatch(before[-1].rstrip("\r"))):
        before.pop()
    answer = "\n".join(before).strip()
    section = _Section()
    for line in [lines[row][head:], *lines[row + 1:]]:
        section.read(line.rstrip("\r"))
    section.flush()
    # Lines labelled as the answer join it; so does commentary when nothing came before.
    extra = section.answer_lines or ([] if answer else section.prose)
    answer = "\n".join([answer, *extra] if answer else extra).strip()
    if section.confidence is not None:
        answer = f"{answer}\n{section.confidence}" if answer else section.confidence
    return answer, tuple(section.quotes)


def _start(lines: list[str]) -> tuple[int, int, int] | None:
    """Where the evidence section starts: its line, the column where the answer on that line
    ends and the one where the label begins."""
    seen_text = False
    for row, line in enumerate(lines):
        head = _HEADING.match(line)
        # "2. Evidence [...]" opening a reply is the answer 2, not a numbered list.
        if (head and (seen_text or not head.group("num"))) or _HEADLESS.match(line):
            return row, 0, 0
        seen_text = seen_text or bool(line.strip())
        for m in _MIDLINE.finditer(line):
            if (head := _HEADING.match(line, m.end())) is None:
                continue
            ref = _ref(head)
            opens = line[head.end():].lstrip(" \t*_")[:1] in _OPEN
            if ((m.group("punct") or m.group("paren")) and (ref or opens)) or (
                    ref and _ID_SHAPE(ref)):
                return row, (m.end("punct") if m.group("punct") else m.start()), m.end()
    return None


def _ref(head: re.Match[str]) -> str | None:
    """The article a heading names, a keyword before it dropped ("article 1" is 1)."""
    raw = head["rb"] or head["rf"]
    if raw is None:
        return None
    if shaped := re.search(_ID, raw):
        return shaped.group(0)
    token = re.sub(rf"^(?:{_KW})\b[ \t]*[:=#]?[ \t]*", "", raw.strip(), flags=re.IGNORECASE)
    return token.strip() or None


class _Section:
    """Reads the lines of an evidence section one by one."""

    def __init__(self) -> None:
        self.quotes: list[Quote] = []
        self.answer_lines: list[str] = []
        self.prose: list[str] = []
        self.confidence: str | None = None
        self.default_doc: str | None = None
        self.pending: list[int] = []  # quotes without an id, waiting for a `Source:` line
        self.expect_bare = self.took_bare = False  # after an empty label, bare lines are quotes
        self.in_answer = False
        self.unclosed: list[str] | None = None  # a quote going on over the next lines
        self.unclosed_doc: str | None = None

    def flush(self, closed: bool = False) -> None:
        """End a quote left open: joined with the lines after it when they close it, else
        the first line alone, the others read as lines of their own."""
        if self.unclosed is None:
            return
        lines, self.unclosed = self.unclosed, None
        self._item(" ".join(lines) if closed else lines[0], self.unclosed_doc, wait=False)
        for line in [] if closed else lines[1:]:
            self.read(line)

    def read(self, line: str) -> None:
        stripped = line.strip()
        if self.unclosed is not None:
            if stripped and len(self.unclosed) < 6 and not any(
                    p.match(line) for p in (_CONFIDENCE_LINE, _ANSWER_LINE, _HEADING, _BULLET)):
                self.unclosed.append(stripped)
                if any(c in _MARKS for c in stripped):
                    self.flush(closed=True)
                return
            self.flush()
        if not stripped:
            if self.took_bare:
                self.expect_bare = self.took_bare = False
        elif _CONFIDENCE_LINE.match(line):
            self.confidence = stripped
        elif _ANSWER_LINE.match(line):
            self.in_answer = True
            self.answer_lines.append(stripped)
        elif (idl := _ID_LINE.fullmatch(line)) and (idl["id"] or idl["kw2"] or idl["kw"]):
            self._id_line(idl)
        elif head := _HEADING.match(line):
            self.in_answer = False
            self._heading(head, line)
        elif self.in_answer:
            self.answer_lines.append(stripped)
        else:
            bullet = _BULLET.match(line)
            content = line[bullet.end():] if bullet else line
            if (bullet or content.lstrip(" \t*_")[:1] in _OPEN or _lead(content)[0]
                    or self.expect_bare):
                self.took_bare = self.expect_bare
                self._item(content, None)
            else:
                self.prose.append(stripped)

    def _id_line(self, idl: re.Match[str]) -> None:
        if idl["tok"] and not (idl["kw2"] or (idl["kw"] or "").lower() in ("article", "doc",
                                                                            "document", "id")):
            return  # "Source: Reuters" names no article
        doc = idl["id"] or idl["tok"]
        if idl["colon"] or not self.pending:
            self.default_doc = doc
        for n in self.pending:
            self.quotes[n] = Quote(doc=doc, quote=self.quotes[n].quote)
        self.pending = []

    def _heading(self, head: re.Match[str], line: str) -> None:
        content = line[head.end():]
        if head["pre"]:
            content = re.sub(r"^[*_]{1,3}(?=\s|$)", "", content.lstrip(" \t"))
        if not content.strip(" \t*_"):
            self.default_doc = _ref(head)
            self.expect_bare, self.took_bare = True, False
        elif not head["label"].lower().startswith(("source", "reference")) or (
                content.lstrip(" \t*_")[:1] in _OPEN or _lead(content)[0]):
            # "Source: Reuters" is no quote; "Source: article 002_... — "..."" is one.
            self._item(content, _ref(head))

    def _item(self, content: str, label_doc: str | None, wait: bool = True) -> None:
        if tail := _CONFIDENCE_TAIL.search(content):
            self.confidence = tail["c"].strip("*_ ")
            content = content[: tail.start()]
        lead_doc, content = _lead(content)
        if preface := _PREFACE.match(content):
            content = content[preface.end():]
        opened = content.lstrip(" \t*_")
        if wait and opened[:1] in _OPEN and not any(c in _MARKS for c in opened[1:]):
            self.unclosed, self.unclosed_doc = [content.strip()], lead_doc or label_doc
            return
        for piece in _pieces(content):
            quote, own_doc = _one(piece)
            doc = own_doc or lead_doc or label_doc or self.default_doc
            if (q := _quote(doc, quote)) is not None:
                if doc is None:
                    self.pending.append(len(self.quotes))
                else:
                    self.pending = []
                self.quotes.append(q)


def _lead(content: str) -> tuple[str | None, str]:
    """The article cited before a quote (`[000_...]: "..."`, `**000_...**:`), and the rest of
    the line."""
    wrapped = _WRAPPED_ID.match(content)
    if wrapped:
        return wrapped["id"], content[wrapped.end():]
    m = _CITE.match(body := content.lstrip(" \t"))
    doc = _cite_doc(m) if m else None
    return (doc, re.sub(r"^[ \t]*[:\-–—]?", "", body[m.end():])) if m and doc else (None, content)


# An id of our shape in markdown before a quote: "**001_...**:", "**[001_...]**", "`000_...`:".
_WRAPPED_ID = re.compile(rf"[ \t]*[*_`]{{1,3}}[\[(]?[ \t]*(?P<id>{_ID})[ \t]*[\])]?[*_`]{{1,3}}"
                         r"[ \t]*[:\-–—]?[ \t]*")
# A quote beside an id of our shape in the answer's own sentence, with no evidence label:
# 'Two, as the article says: "..." [000_...]', 'According to article 000_...: "..."',
# 'Azerbaijan ("..." — 004_...)'.
_INLINE = re.compile(
    rf"(?:\b(?:{_KW})[ \t]+)?(?P<before>{_ID})[ \t]*[:,]?[ \t]*[“\"](?P<q1>[^\"”\n]{{20,}})[”\"]"
    rf"|[“\"](?P<q2>[^\"”\n]{{20,}})[”\"][ \t]*[,;]?[ \t]*(?:[-–—][ \t]*)?[\[(]?[ \t]*"
    rf"(?:(?:{_KW})[ \t]+)?(?P<after>{_ID})[ \t]*[\])]?", re.IGNORECASE)
# What leads into an inline quote: not part of the answer.
_LEAD_IN = re.compile(
    r"(?:[,;:]?[ \t]*(?:as[ \t]+)?(?:the[ \t]+)?(?:article|text|report|source)s?[ \t]+"
    r"(?:says?|states?|reads?|notes?|reports?|puts it)[ \t]*[:,]?|[.,;:]?[ \t]*according[ \t]+"
    rf"to(?:[ \t]+(?:the[ \t]+)?(?:{_KW}))?[ \t]*[:,]?|[ \t]*\(|[ \t]*[-–—:])[ \t]*$",
    re.IGNORECASE)


def _inline_reply(text: str) -> tuple[str, tuple[Quote, ...]]:
    """Quotes given inside the answer's own paragraph, each beside the id of its article."""
    found = list(_INLINE.finditer(text))
    if not found:
        return text, ()
    quotes = [q for m in found if (q := _quote(m["before"] or m["after"], m["q1"] or m["q2"]))]
    head = text[:found[0].start()]
    answer = _LEAD_IN.sub("", head.rstrip()).strip()
    while (cut := _LEAD_IN.sub("", answer).strip()) != answer:
        answer = cut
    rest = text[found[-1].end():].strip(" \t\n).")
    return ("\n".join(x for x in (answer, rest) if x) if quotes else text), tuple(quotes)


def _cite_doc(m: re.Match[str]) -> str | None:
    tok = m["tok"]
    return m["bare"] or (tok if tok and (m["kw"] or _ID_SHAPE(tok)) else None)


def _pieces(content: str) -> list[str]:
    """Several quotes on one line, each closed and followed by its id or a semicolon."""
    cuts = [m.end() for m in _BETWEEN.finditer(content)
            if ";" in m.group() or _CITE.search(m.group())]
    return [content[a:b] for a, b in pairwise([0, *cuts, len(content)])]


def _one(piece: str) -> tuple[str, str | None]:
    """One quote's text and the id cited after it: inside its outer quote marks when what
    follows them is only a citation, else the whole piece less a trailing citation."""
    p = piece.strip()
    first = next((i for i, c in enumerate(p) if c in _OPEN), None)
    if first is not None and not p[:first].strip("*_ \t"):
        # A citation after the closing mark is short: no need to try marks further back.
        for j in range(len(p) - 1, max(first, len(p) - 200), -1):
            if p[j] in _MARKS and _TRAILER_REST.fullmatch(_CITE.sub(" ", rest := p[j + 1:])):
                body, inner = _strip_tail_cite(p[first + 1:j])
                cited = (_cite_doc(m) for m in _CITE.finditer(rest))
                return body, next((d for d in cited if d), None) or inner
        if not any(c in _MARKS for c in p[first + 1:]):
            return _strip_tail_cite(p[first + 1:])
    body, doc = _strip_tail_cite(p)
    wrap = re.fullmatch(r"([*_]{1,3})(.*?)\1", body, re.DOTALL)
    return (wrap.group(2) if wrap else body), doc


def _strip_tail_cite(body: str) -> tuple[str, str | None]:
    """Cut citations off the end of a quote: ids in our shape, after a keyword, or short
    footnote numbers; a phrase in brackets ending a sentence stays."""
    doc: str | None = None
    for _ in range(4):
        last = next(iter(reversed(list(_CITE.finditer(body)))), None)
        if last is None or body[last.end():].strip(" \t.*_"):
            break
        cited, tok = _cite_doc(last), last["tok"] or ""
        if cited is None and not (tok.isdigit() and len(tok) <= 2):
            break
        doc = doc or cited
        body = body[: last.start()].rstrip(" \t-–—,:")
    return body.strip(), doc
