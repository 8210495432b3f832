"""Answer extraction: the committed final answer of a response, before any matching.

A response is graded on the span that commits to an answer, never on the whole text:

1. reasoning blocks (`<think>...</think>`, a bare leading `...</think>`) are dropped; a block
   left open means the reply never got past its reasoning;
2. markdown (headers, emphasis, bullets, tables, code marks) and citation markers ("[1]",
   "[doc 2]", "(Source: ...)", a trailing reference list) are removed;
3. a final-answer marker ("Final answer:", "the answer is", "**Answer:**") decides: the span
   after the last one, to the end of its paragraph;
4. reasoning that opens the response ("Let's think step by step", "Step 1:") without such a
   marker is read up to its conclusion ("So", "Therefore", "Thus" starting a sentence); with
   no conclusion the response has no answer;
5. otherwise a last line set in bold after other lines is the answer;
6. a self-correction at the start of a clause ("Three, no wait, two"; "Stepanakert. Sorry, I
   mean Shusha.") leaves the words after the last one.
"""

from __future__ import annotations

import re
from typing import NamedTuple

_THINK = re.compile(r"<think(?:ing)?>.*?</think(?:ing)?>", re.S | re.I)
_CLOSE_THINK = re.compile(r"</think(?:ing)?>", re.I)
_OPEN_THINK = re.compile(r"<think(?:ing)?>", re.I)
# Anything that may need work beyond plain text; plain answers skip every step below. The
# word hints are searched in lower case and without `\b`, which keeps `re`'s fast scan.
_MARKUP_CHARS = re.compile(r"[<\[\]()*_#|`>【\n:：]")
# Words that may start a marker or a self-correction, looked up in a set of the response's
# words (multi-word cues by their rarest word): far cheaper than a pattern per response.
_HINT_WORDS = frozenset(
    """answer answers conclusion conclude concluding summary summarize summarise short brief sum
    tl dr tldr bottom actually correct correction sorry wait mean second scratch rather misspoke
    make strike mistake oops""".split()
)
_PUNCT = str.maketrans({c: " " for c in ".,;:!?()[]{}\"'*_#|`<>-—–/\n\t"})
_REASONING_HINT = re.compile(
    r"\W*(?:let|step|okay|ok\b|alright|hmm|the question|reasoning|thought|analysis|i need"
    r"|we need|i will|i'll|to (?:answer|determine|find|figure|work)|chain|thinking)"
)
_MARKER_WORD = re.compile(r"answer|conclu|summar|in short|in brief|to sum|tl;?dr|bottom line")
_CORRECTION_WORD = re.compile(
    r"actually|correct|sorry|wait|i mean|second thought|scratch that|or rather|misspoke"
    r"|make that|strike that|my mistake|oops"
)

_CITATION = re.compile(
    r"\s?\[(?:\^?\s*\d+(?:\s*[,;\u2013-]\s*\^?\d+)*|(?:source|sources|doc|document|ref|citation"
    r"|article|passage|context)s?[\s#:_-]*[\w.-]*(?:\s*[,;]\s*[\w.#:-]+)*|[\w.:#-]*\d[\w.:#-]*"
    r"(?:\s*[,;]\s*[\w.:#-]*\d[\w.:#-]*)*)\]"
    r"|【[^】]*】|\s?\((?:source|sources|see|ref|refs|doc|docs|document|citation|cited|cf|per"
    r"|from|via)s?\b[^()]*\)|(?<=[\w.,;:!?\"'])\s?\((?:\d{1,2}(?:\s*[,;\u2013-]\s*\d{1,2})*)\)"
    r"(?=\s|$|[.,;:!?])",
    re.I,
)
_REFERENCES = re.compile(
    r"^\W*(?:sources?|references?|citations?|bibliography|cited)\W*(?::|$)", re.I | re.M
)
# Footnotes closing a reply ("[1] CIA World Factbook", "[^2]: Reuters, 9 Nov"): sources.
_FOOTNOTES = re.compile(r"(?:^[ \t]*\[\^?\d{1,2}\]:?[ \t]+\S[^\n]*(?:\n|$))+\s*\Z", re.M)
# Line patterns match within a line ([ \t], never \s): a blank line keeps separating paragraphs.
_FENCE = re.compile(r"^[ \t]*```\w*[ \t]*$", re.M)
_HEADER = re.compile(r"^[ \t]*#{1,6}[ \t]*", re.M)
_QUOTE = re.compile(r"^[ \t]*>[ \t]?", re.M)
_BULLET = re.compile(r"^[ \t]*(?:[-*+•▪◦]|\d{1,2}[.)])[ \t]+", re.M)
_RULE = re.compile(r"^[ \t]*(?:[-*_=][ \t]*){3,}$", re.M)
# Special tokens of model vocabularies ("<|endoftext|>", "</s>", "[PAD]"): never an answer.
_SPECIAL_TOKEN = re.compile(
    r"<\|[^|<>]{1,40}\|>|</?s>|<pad>|<unk>|<eos>|<bos>|\[(?:PAD|UNK|EOS|BOS|SEP|CLS)\]", re.I)
_TABLE_SEP = re.compile(
    r"^[ \t]*\|?[ \t]*:?-{2,}:?[ \t]*(?:\|[ \t]*:?-{2,}:?[ \t]*)*\|?[ \t]*(?:\n|$)", re.M)
_EMPHASIS = re.compile(r"\*\*|__|`+|(?<![\w*])\*(?=\S)|(?<=\S)\*(?![\w*])|(?<!\w)_(?=\S)"
                       r"|(?<=\S)_(?!\w)")
_BOLD_LINE = re.compile(r"^\s*(?:[-*+]\s+)?\*\*([^*\n]+?)\*\*\s*[.!]?\s*$")

_MARKER = re.compile(
    r"(?:\b(?:final|short|direct|correct|my|the|best|concise|one-word|brief) answer"
    r"(?:\s+(?:to (?:the|this|your) question\s+)?(?:is|would be|will be|was)\b\s*[:\-–—]?"
    r"|\s*[:：\-–—])|^[ \t]*(?:final )?answer\s*[:：\-–—]"
    r"|^[ \t]*(?:(?:the|final|short|my) )?answers?[ \t]*$"
    r"|\b(?:in (?:short|summary|conclusion|brief)|to (?:summari[sz]e|sum up|conclude)"
    r"|conclusion|tl;?dr|bottom line)\s*[:,\-–—])",
    re.I | re.M,
)
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t][^\n]*\n?", re.M)
_FIELD_LINE = re.compile(r"^[ \t]*(?:[-*+][ \t]+)?\**[^\W\d_][^:\n]{0,40}?\**[ \t]*[:：]", re.M)
_FIELD = re.compile(r"^[ \t]*([^\W\d_](?:[^\W\d_]|[ '’/-]){0,30}?)[ \t]*[:：][ \t]*(?=\S)", re.M)
_NON_ANSWER_FIELD = re.compile(
    r"^(?:explanation|reasoning|rationale|reason|justification|analysis|thoughts?|thinking"
    r"|evidence|sources?|references?|citations?|confidence|context|notes?|background|details"
    r"|caveats?|support|supporting \w+|quote|quotes|verification|step \d+)$",
    re.I,
)
# Reasoning announces itself: "Let's think", "Step 1", "To answer this, ...". A bare "Hmm" or
# "First," opens direct answers too, and is no sign of it.
_REASONING_START = re.compile(
    r"^\W*(?:(?:let(?:'|’)?s|let us|let me)(?: first)? (?:think|reason|work|break|analy[sz]e"
    r"|go|figure|look|consider|start|examine|review|see|recall|check|determine|find|identify"
    r"|go through)|i(?:'|’)ll (?:think|reason|work|go)|i need to (?:think|figure|work|determine"
    r"|find)|we need to (?:think|figure|work|determine|find)|step\s*1\b"
    r"|to (?:answer|determine|find|figure out|work out) (?:this|the|which|how|what|who|when)"
    r"|(?:okay|ok|alright|hmm+),? (?:so |let)|the question (?:asks|is asking|wants)"
    r"|(?:let(?:'|’)?s |let us |i(?:'|’)ll )?(?:think|reason|work) (?:it|this|that) (?:through|out)"
    r"|thinking\s*:|reasoning\s*:|thoughts?\s*:|analysis\s*:|chain of thought)",
    re.I,
)
_CONCLUSION = re.compile(
    r"(?:^|(?<=[.!?:])\s+|(?<=,)\s+|\n)\W*(?:so|therefore|thus|hence|consequently|overall"
    r"|in the end|putting (?:it|this|that) (?:all )?together|this means|that means|which means"
    r"|it follows that|accordingly|ultimately)\b,?\s*",
    re.I | re.M,
)
_CORRECTION = re.compile(
    r"(?:^|(?<=[.,;:!?\-–—])\s*)\W*(?:actually|correction|sorry|no,? wait|wait|i mean"
    r"|on second thought|scratch that|or rather|let me correct(?: that| myself)?|i misspoke"
    r"|make that|i stand corrected|strike that|my mistake|oops)\b",
    re.I | re.M,
)
_WORD = re.compile(r"[^\W\d_]{2,}|\d")
_ALNUM = re.compile(r"[^\W_]")
# "Four: two in 2020 and two in 2023", "Yes on both counts: ...": an answer, not a field's
# label.
_ANSWERS = frozenset("""yes no true false correct incorrect none zero one two three four five six
seven eight nine ten eleven twelve twenty hundred thousand dozens""".split())
_MORE_STEPS = re.compile(
    r"(?:^|(?<=[.!?:])\s+|\n)\W*(?:step\s*\d+\b|let me (?:reconsider|rethink|re-?check|think"
    r"|double-check|check)|let(?:'|’)?s (?:reconsider|rethink|re-?check)|wait\b|hmm+\b"
    r"|on second thought|but (?:wait|then|actually))", re.I | re.M)


_BLANK_LINE = re.compile(r"\n\s*\n")


class Extraction(NamedTuple):
    """The span of a response that commits to an answer, and how it was found."""

    span: str
    """The text graded: the final answer, without reasoning, markup or citation markers."""
    how: str
    """`whole` (the cleaned response), `fields` (the values of "Label: value" lines or of a
    table's rows, one sentence each), `marker` (after a final-answer marker), `conclusion`
    (the conclusion of reasoning), `bold` (a last bold line), `no_conclusion` (reasoning
    that never concludes: no answer), `think_open` (cut off inside its reasoning), `json`
    (the answer field of a reply written as a JSON object)."""
    corrected: bool = False
    """A self-correction was found and only the words after it were kept."""

    @property
    def changed(self) -> bool:
        return self.how != "whole" or self.corrected


def _strip_markup(text: str) -> str:
    if "|" in text:
        text = _TABLE_SEP.sub("", text)
        text = "\n".join(_table_row(line) for line in text.split("\n"))
    if "```" in text:
        text = _FENCE.sub("", text)
    if "\n" in text or text.lstrip()[:1] in ("#", ">", "-", "*", "+", "•", "_", "=") \
            or text.lstrip()[:1].isdigit():
        text = _RULE.sub("", text)
        text = _HEADER.sub("", text)
        text = _QUOTE.sub("", text)
        text = _BULLET.sub("", text)
    if "*" in text or "_" in text or "`" in text:
        text = _EMPHASIS.sub("", text)
    return text


def _table_row(line: str) -> str:
    """A table row as a sentence of its own: "Model: Mi-24." for two cells."""
    if line.count("|") < 2:
        return line
    cells = [c.strip() for c in line.strip().strip("|").split("|") if c.strip()]
    if not cells:
        return ""
    row = f"{cells[0]}: {cells[1]}" if len(cells) == 2 else ", ".join(cells)
    return row if row[-1:] in ".!?" else row + "."


def _paragraph(text: str) -> str:
    """The rest of the paragraph that starts `text`, or the next one when it starts empty."""
    text = text.lstrip(" \t")
    if text.startswith("\n"):
        text = text.lstrip()
    return _BLANK_LINE.split(text, maxsplit=1)[0].strip()


def _drop_fields(text: str) -> str:
    """Field lines ("Model: Unclear") keep their value; explanation fields go when other lines
    remain."""
    if ":" not in text and "：" not in text:
        return text
    kept, dropped = [], []
    fields = 0
    for line in text.split("\n"):
        m = _FIELD.match(line)
        if m is None or len(m.group(1).split()) > 4 or (
                m.group(1).split()[0].lower() in _ANSWERS):
            kept.append(line)
            continue
        fields += 1
        # Each field is a sentence of its own: values of different fields are no list.
        value = line[m.end():].rstrip()
        value = value if value[-1:] in ".!?" else value + "."
        if _NON_ANSWER_FIELD.match(m.group(1).strip()):
            dropped.append(value)
        else:
            kept.append(value)
    if not fields:
        return text
    if not any(_WORD.search(k) for k in kept):
        kept += dropped
    return "\n".join(kept)


def _last(pattern: re.Pattern[str], text: str) -> re.Match[str] | None:
    found = None
    for found in pattern.finditer(text):  # noqa: B007  (the last match is the one wanted)
        pass
    return found


def _after_correction(span: str) -> tuple[str, bool]:
    if not _CORRECTION_WORD.search(span.lower()):
        return span, False
    last = None
    for m in _CORRECTION.finditer(span):
        if _WORD.search(span, m.end()):
            last = m
    if last is None:
        return span, False
    rest = span[last.end():].lstrip(" \t\n,:;.!-–—").strip()
    return (rest, True) if _WORD.search(rest) else (span, False)


def _answer_part(text: str, low: str) -> str | None:
    """The text without vocabulary tokens ("<|endoftext|>") and reasoning blocks; None when a
    block is left open (the reply never got past its reasoning). `low`: the text lower-cased."""
    if "<" in text or "[" in text:
        text = _SPECIAL_TOKEN.sub(" ", text)
    if "think" in low:
        text = _THINK.sub("\n", text)
        close = _last(_CLOSE_THINK, text)
        if close is not None:
            text = text[close.end():]
        if _OPEN_THINK.search(text):
            return None
    return text


def residue(response: str) -> str:
    """The response without reasoning blocks and vocabulary tokens: what remains when the
    extracted span is empty, to tell an empty reply from one of symbols."""
    return _answer_part(response, response.lower()) or ""


def extract(response: str, folded: str | None = None,
            words: list[str] | None = None) -> Extraction:
    """The committed final answer of `response` (see the module's rules); `folded` and
    `words`, the response already folded and its tokens, save doing that again."""
    text = response
    stripped = text.strip().removeprefix("```json").removeprefix("```").removesuffix("```")
    if stripped.strip().startswith("{") and stripped.strip().endswith("}"):
        fielded = json_answer(stripped)
        if fielded is not None:
            return Extraction(fielded, "json")
    low = text.lower() if folded is None else folded
    markup = _MARKUP_CHARS.search(text) is not None
    if not markup and not _REASONING_HINT.match(low) and _HINT_WORDS.isdisjoint(
            low.translate(_PUNCT).split() if words is None else words):
        return Extraction(text.strip(), "whole")
    answer = _answer_part(text, low)
    if answer is None:
        return Extraction("", "think_open")
    text = answer
    if "\n" in text and "[" in text:
        notes = _FOOTNOTES.search(text)
        if notes is not None and _WORD.search(text, 0, notes.start()):
            text = text[: notes.start()]
    if "[" in text or "(" in text or "【" in text:
        text = _CITATION.sub("", text)
    if "\n" in text:
        refs = _REFERENCES.search(text)
        if refs is not None and _WORD.search(text, 0, refs.start()):
            text = text[: refs.start()]
    last_bold = None
    if "**" in text:
        lines = [ln for ln in text.strip().split("\n") if ln.strip()]
        if len(lines) > 1 and (bold := _BOLD_LINE.match(lines[-1])):
            last_bold = bold.group(1)
    if markup:
        if "#" in text and _FIELD_LINE.search(text):
            # A heading over "Label: value" lines titles them ("## Mediation"): no answer.
            text = _HEADING_LINE.sub("", text)
        text = _strip_markup(text)
    how = "whole"
    marker = _last(_MARKER, text) if _MARKER_WORD.search(low) else None
    # Any letter or digit after a marker is its answer: "The answer is B.", "... is n/a".
    if marker is not None and _ALNUM.search(after := _paragraph(text[marker.end():])):
        span, how = after, "marker"
    elif _REASONING_START.match(text):
        conclusion = _last(_CONCLUSION, text)
        if conclusion is None or not _WORD.search(text, conclusion.end()) or _MORE_STEPS.search(
                text, conclusion.end()):
            # A conclusion followed by further steps ("Step 3: ...", "Let me reconsider") was
            # provisional: the reasoning went on and never concluded.
            return Extraction("", "no_conclusion")
        span, how = text[conclusion.end():].strip(), "conclusion"
    elif last_bold is not None:
        span, how = _strip_markup(last_bold), "bold"
    else:
        fields = _drop_fields(text) if ":" in text or "：" in text else text
        if fields is not text:
            how = "fields"
        span = fields.strip()
    span, corrected = _after_correction(span)
    return Extraction(span, how, corrected)


_JSON_KEYS = ("final_answer", "answer", "response", "result", "value", "output", "prediction")


def json_answer(text: str) -> str | None:
    """The answer field of a reply written as a JSON object (`{"answer": "Shusha",
    "confidence": 0.8}`): its value as text, "" for a null or empty answer; None when the
    reply is no such object (it is then read as text)."""
    import json

    try:
        data = json.loads(text)
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    lowered = {str(k).lower(): v for k, v in data.items()}
    for key in _JSON_KEYS:
        if key in lowered:
            value = lowered[key]
            if value is None or isinstance(value, dict):
                return ""
            if isinstance(value, list):
                return ", ".join(str(v) for v in value if v is not None)
            return str(value).strip()
    return None
