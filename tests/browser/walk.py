"""A role's walk through the product: start at the role's home page, follow every link and
open every form the role is shown, and report what a person would trip over.

The breadth is crawled over HTTP (requests, with the role's session cookie, against the same
gunicorn the browser uses), which is fast; Chromium then opens the first page of every
distinct kind (a path shape such as /sites/{id}/) at 1280 and 390 px for the screenshots.
Nothing here knows the product's pages: a page added later is walked as soon as some page a
role reaches links to it.

A walk fails (`Walk.problems`) when
- a shown link or form answers 403, 404, 405 or 5xx, or links to an anchor the page lacks;
- a form that creates something answers 200 on a URL that then does not open (reload, Back);
- a page shows a string outside the role's scope (another tenant's or site's names);
- a page shows raw Markdown, a Python repr or an unresolved template variable.

Forms are submitted with the values the page filled in (as a person pressing the button
without typing would). Forms that end or remove something (delete, revoke, sign out, ...)
are submitted last, deepest first, so that they do not pull the floor from under the rest of
the walk."""
from __future__ import annotations

import os
import re
import shutil
from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import requests

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_ROOT = Path(os.environ.get("WALK_SCREENSHOTS_DIR", ROOT / "var" / "walks"))
BAD_STATUSES = {403, 404, 405}
# Buttons and actions that end, remove or undo something: submitted at the end of the walk.
FINAL_WORDS = re.compile(r"delete|remove|revoke|disable|sign out|logout|rotate|erase|suspend|restart|"
                         r"reactivate|restore|cancel|turn off|require", re.I)
# Never pressed: the walk would end (signing out), or it would need a second factor it lacks.
NEVER_WORDS = re.compile(r"sign out|logout", re.I)
ID_SEGMENT = re.compile(r"^(?:[0-9A-HJKMNP-TV-Z]{26}|[0-9a-f]{8,}|[0-9a-f-]{32,}|\d+|[A-Za-z0-9_\-.:=]{20,})$")
RAW_MARKDOWN = [re.compile(p, re.M) for p in (r"\*\*[^*\n]+\*\*", r"`[^`\n]+`", r"^\s*\* \S", r"\]\([^)\s]+\)",
                                                r"^#{1,6} \S")]
PYTHON_REPR = re.compile(r"\{'[^']*': |\[\{'|object at 0x|<[a-z_]+\.[A-Za-z_.]+ object|Decimal\('|datetime\.(?:date|datetime)\(")
TEMPLATE_LEFTOVER = re.compile(r"\{\{|\{%|%\}|\}\}")
SPELLING = re.compile(r"\bEmail\b")  # the product writes "E-mail"


class _Page(HTMLParser):
    """Links, forms, element ids and the visible text (outside code, pre, textarea, script and
    style) of one HTML page."""

    SKIP_TEXT = {"code", "pre", "textarea", "script", "style", "kbd", "samp"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[tuple[str, str]] = []  # (href, link text)
        self.forms: list[dict] = []
        self.ids: set[str] = set()
        self.text: list[str] = []
        self._skip = 0
        self._form: dict | None = None
        self._select: dict | None = None
        self._link: list | None = None
        self._button: dict | None = None
        self._textarea: dict | None = None

    def handle_starttag(self, tag, attrs):
        a = {k: (v if v is not None else "") for k, v in attrs}
        for key in ("id", "name"):
            if key in a and (key == "id" or tag == "a"):
                self.ids.add(a[key])
        if tag in self.SKIP_TEXT:
            self._skip += 1
        if tag == "a" and "href" in a:
            self._link = [a["href"], ""]
        elif tag == "form":
            self._form = {"action": a.get("action", ""), "method": a.get("method", "get").lower(),
                          "enctype": a.get("enctype", ""), "fields": [], "buttons": [], "files": []}
            self.forms.append(self._form)
        elif self._form is not None:
            if tag == "input":
                kind = a.get("type", "text").lower()
                if kind in ("submit", "image"):
                    self._form["buttons"].append({"name": a.get("name"), "value": a.get("value", ""),
                                                  "text": a.get("value", ""), "class": a.get("class", "")})
                elif kind == "file":
                    self._form["files"].append(a.get("name", ""))
                elif kind in ("checkbox", "radio"):
                    if "checked" in a and a.get("name"):
                        self._form["fields"].append((a["name"], a.get("value", "on")))
                elif a.get("name") and kind != "button":
                    self._form["fields"].append((a["name"], a.get("value", "")))
            elif tag == "select" and a.get("name"):
                self._select = {"name": a["name"], "first": None, "selected": [], "multiple": "multiple" in a}
            elif tag == "option" and self._select is not None:
                value = a.get("value")
                self._select["_pending"] = value
                if self._select["first"] is None:
                    self._select["first"] = value
                if "selected" in a:
                    self._select["selected"].append(value)
            elif tag == "textarea" and a.get("name"):
                self._textarea = {"name": a["name"], "value": ""}
            elif tag == "button" and a.get("type", "submit").lower() == "submit":
                self._button = {"name": a.get("name"), "value": a.get("value", ""), "text": "",
                                "class": a.get("class", "")}

    def handle_endtag(self, tag):
        if tag in self.SKIP_TEXT and self._skip:
            self._skip -= 1
        if tag == "a" and self._link is not None:
            self.links.append((self._link[0], self._link[1].strip()))
            self._link = None
        elif tag == "form":
            self._form = None
        elif tag == "select" and self._select is not None and self._form is not None:
            chosen = self._select["selected"] or ([] if self._select["multiple"] else [self._select["first"]])
            for value in chosen:
                if value is not None:
                    self._form["fields"].append((self._select["name"], value))
            self._select = None
        elif tag == "textarea" and self._textarea is not None and self._form is not None:
            self._form["fields"].append((self._textarea["name"], self._textarea["value"]))
            self._textarea = None
        elif tag == "button" and self._button is not None and self._form is not None:
            self._button["text"] = self._button["text"].strip()
            self._form["buttons"].append(self._button)
            self._button = None

    def handle_data(self, data):
        if self._link is not None:
            self._link[1] += data
        if self._button is not None:
            self._button["text"] += data
        if self._textarea is not None:
            self._textarea["value"] += data
        if self._select is not None and self._select.get("_pending") is None and data.strip():
            # <option>text</option> without value= submits its text
            pass
        if not self._skip:
            self.text.append(data)


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def shape(url: str) -> str:
    """A URL's kind: its path with ids replaced and its query reduced to the parameter names."""
    parts = urlsplit(url)
    segments = ["{id}" if ID_SEGMENT.match(s) else s for s in parts.path.split("/")]
    names = sorted({k for k, _ in parse_qsl(parts.query, keep_blank_values=True)})
    return "/".join(segments) + (f"?{'&'.join(names)}" if names else "")


def text_problems(visible_text: str) -> list[str]:
    found = []
    for pattern in RAW_MARKDOWN:
        m = pattern.search(visible_text)
        if m:
            found.append(f"raw Markdown {m.group(0)!r}")
    for pattern, label in ((PYTHON_REPR, "a Python repr"), (TEMPLATE_LEFTOVER, "a template leftover"),
                           (SPELLING, "'Email' (the product writes 'E-mail')")):
        m = pattern.search(visible_text)
        if m:
            start = max(0, m.start() - 40)
            found.append(f"{label} near {visible_text[start:m.end() + 40]!r}")
    return found


@dataclass
class Walk:
    """One role's walk. `forbidden`: strings outside the role's scope (names of other tenants'
    or sites' things) that no page may show."""

    base_url: str
    role: str
    session: requests.Session
    forbidden: tuple[str, ...] = ()
    max_pages: int = 90
    per_shape: int = 2
    skip: tuple[str, ...] = ()  # path prefixes the walk leaves alone (e.g. another role's console)
    problems: list[str] = field(default_factory=list)
    folder: Path | None = None  # where the screenshots went
    visited: dict[str, str] = field(default_factory=dict)  # url -> content type
    links_followed: int = 0
    forms_opened: int = 0
    forms_submitted: list[str] = field(default_factory=list)
    shapes: dict[str, str] = field(default_factory=dict)  # shape -> first HTML page URL of it
    _shape_count: dict[str, int] = field(default_factory=dict)
    _final: list[tuple[str, dict]] = field(default_factory=list)
    _seen_forms: set = field(default_factory=set)
    _queue: deque = field(default_factory=deque)  # (url, response) of pages still to read

    # -- entry points -------------------------------------------------------------------------
    def run(self, *starts: str, browser=None, folder_name: str | None = None) -> "Walk":
        """Walks from `starts`; with a browser, takes the screenshots (before the forms that
        delete things run, so every page still shows what it showed during the walk)."""
        icon = self.session.get(urljoin(self.base_url, "/favicon.ico"), timeout=10)  # every page's tab asks
        if icon.status_code != 200 or not icon.headers.get("Content-Type", "").startswith("image/"):
            self.problems.append(f"{self.role}: /favicon.ico answered {icon.status_code}")
        for start in starts:
            url = urljoin(self.base_url, start)
            response = self._get(url, referrer=None)
            if response is not None:
                self._queue.append((url, response))
        read = 0
        while self._queue and read < self.max_pages:
            url, response = self._queue.popleft()
            read += self._read_page(url, response)
        if browser is not None:
            self.folder = self.screenshots(browser, folder_name=folder_name)
        # Forms that end or remove something, deepest first.
        for where, form in sorted(self._final, key=lambda f: -len(urlsplit(self._action(*f)).path.split("/"))):
            if not NEVER_WORDS.search(self._label(form)):
                self._submit(where, form)
        self.session.close()  # no idle keep-alive connection holds the server's shutdown up
        return self

    def summary(self) -> str:
        return (f"{self.role}: {len(self.visited)} pages ({len(self.shapes)} kinds), {self.links_followed} links "
                f"followed, {self.forms_opened} forms opened ({len(self.forms_submitted)} submitted)")

    # -- fetching -----------------------------------------------------------------------------
    def _same_origin(self, url: str) -> bool:
        return urlsplit(url).netloc == urlsplit(self.base_url).netloc

    def _get(self, url: str, *, referrer: str | None, fragment: str = ""):
        key = shape(url)
        if self._shape_count.get(key, 0) >= self.per_shape and url not in self.visited:
            return None
        self._shape_count[key] = self._shape_count.get(key, 0) + 1
        response = self.session.get(url, allow_redirects=True, timeout=20)
        self.visited[url] = response.headers.get("Content-Type", "")
        self._check_status(response, f"GET {urlsplit(url).path}" + (f" (linked from {urlsplit(referrer).path})" if referrer else ""))
        return response

    def _check_status(self, response, what: str) -> None:
        if response.status_code in BAD_STATUSES or response.status_code >= 500:
            self.problems.append(f"{self.role}: {what} answered {response.status_code}")

    def _read_page(self, url: str, response) -> int:
        """Checks one page, checks its links (queueing the pages they open) and opens its forms;
        1 when it was an HTML page."""
        if "text/html" not in response.headers.get("Content-Type", "") or response.status_code != 200:
            return 0
        final_url = response.url
        html = response.text
        page = parse(html)
        key = shape(final_url)
        self.shapes.setdefault(key, final_url)
        where = urlsplit(final_url).path + (f"?{urlsplit(final_url).query}" if urlsplit(final_url).query else "")
        for problem in text_problems(" ".join(page.text)):
            self.problems.append(f"{self.role}: {where} shows {problem}")
        for outsider in self.forbidden:
            if outsider in html:
                self.problems.append(f"{self.role}: {where} shows {outsider!r}, outside the role's scope")
        for href, text in page.links:
            if href.startswith(("mailto:", "tel:", "javascript:")):
                continue
            target = urljoin(final_url, href)
            parts = urlsplit(target)
            if not self._same_origin(target) or parts.scheme not in ("http", "https"):
                continue
            bare = urlunsplit(parts._replace(fragment=""))
            if parts.fragment and bare == urlunsplit(urlsplit(final_url)._replace(fragment="")):
                if parts.fragment not in page.ids:
                    self.problems.append(f"{self.role}: {where} links to #{parts.fragment}, which it lacks")
                continue
            if any(parts.path.startswith(p) for p in self.skip):
                continue
            if bare in self.visited:
                continue
            self.links_followed += 1
            linked = self._get(bare, referrer=final_url)
            if linked is None:
                continue
            if parts.fragment and "text/html" in linked.headers.get("Content-Type", ""):
                if parts.fragment not in parse(linked.text).ids:
                    self.problems.append(f"{self.role}: {where} links to {parts.path}#{parts.fragment}, which it lacks")
            self._queue.append((bare, linked))
        for form in page.forms:
            self._open_form(final_url, form)
        return 1

    # -- forms --------------------------------------------------------------------------------
    def _action(self, where: str, form: dict) -> str:
        return urljoin(where, form["action"] or where)

    @staticmethod
    def _label(form: dict) -> str:
        texts = " ".join(b["text"] for b in form["buttons"])
        return f"{texts} {form['action']}"

    def _open_form(self, where: str, form: dict) -> None:
        action = self._action(where, form)
        if not self._same_origin(action) or any(urlsplit(action).path.startswith(p) for p in self.skip):
            return
        key = (form["method"], shape(action), tuple(sorted(n for n, _ in form["fields"])), self._label(form).split(" /")[0])
        if key in self._seen_forms:
            return
        self._seen_forms.add(key)
        self.forms_opened += 1
        if form["method"] == "get":
            parts = urlsplit(action)
            query = urlencode([(n, v) for n, v in form["fields"] if n])
            target = urlunsplit(parts._replace(query=query, fragment=""))
            if target not in self.visited:
                response = self._get(target, referrer=where)
                if response is not None:
                    self._queue.append((target, response))
            return
        if FINAL_WORDS.search(self._label(form)) or any("danger" in b["class"] for b in form["buttons"]):
            self._final.append((where, form))
            return
        self._submit(where, form)

    def _submit(self, where: str, form: dict) -> None:
        action = self._action(where, form)
        data = [(n, v) for n, v in form["fields"] if n]
        button = next((b for b in form["buttons"] if b.get("name")), None)
        if button:
            data.append((button["name"], button["value"]))
        files = {name: ("", b"") for name in form["files"]} or None
        response = self.session.post(action, data=data, files=files, allow_redirects=True, timeout=20,
                                     headers={"Referer": where})
        label = self._label(form).split(" /")[0].strip() or "(no label)"
        self.forms_submitted.append(f"{label} → {urlsplit(action).path}")
        what = f"POST {urlsplit(action).path} ({label!r} on {urlsplit(where).path})"
        self._check_status(response, what)
        is_page = "text/html" in response.headers.get("Content-Type", "")
        if response.status_code < 300 and not response.history and is_page:
            # Answered in place: a reload, Back or a bookmark asks for the same URL with GET (a
            # download leaves the browser on the page it was on, so it has no reload).
            again = self.session.get(action, allow_redirects=True, timeout=20)
            if again.status_code in BAD_STATUSES or again.status_code >= 500:
                self.problems.append(f"{self.role}: {what} answered 200 in place, and reloading "
                                     f"{urlsplit(action).path} answers {again.status_code}")
        if response.history and response.url not in self.visited:
            # Where the form led (a new key's page, a new destination): walked like any page.
            self.visited[response.url] = response.headers.get("Content-Type", "")
            self._queue.append((response.url, response))
        elif "text/html" in response.headers.get("Content-Type", "") and response.status_code < 300:
            for problem in text_problems(" ".join(parse(response.text).text)):
                self.problems.append(f"{self.role}: {urlsplit(action).path} (after {what}) shows {problem}")

    # -- screenshots --------------------------------------------------------------------------
    def screenshots(self, browser, *, folder_name: str | None = None) -> Path:
        """Every distinct kind of page at 1280 and 390 px, in Chromium with the walk's cookies;
        the folder is cleared first, so it holds this run's pictures only."""
        folder = SCREENSHOT_ROOT / (folder_name or self.role)
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        host = urlsplit(self.base_url).hostname
        cookies = [{"name": c.name, "value": c.value, "domain": host, "path": "/"} for c in self.session.cookies]
        for width, height in ((1280, 900), (390, 844)):
            context = browser.new_context(viewport={"width": width, "height": height})
            context.add_cookies(cookies)
            tab = context.new_page()
            for n, (key, url) in enumerate(sorted(self.shapes.items())):
                response = tab.goto(url)
                if response is None or "text/html" not in (response.headers.get("content-type") or ""):
                    continue
                name = re.sub(r"[^A-Za-z0-9]+", "-", key).strip("-") or "home"
                tab.screenshot(path=str(folder / f"{n:02d}-{name}-{width}.png"), full_page=True)
                overflow = tab.evaluate("document.documentElement.scrollWidth") - width
                if overflow > 2:  # the whole page scrolls sideways: something does not fit
                    self.problems.append(f"{self.role}: {urlsplit(url).path} is {overflow}px wider than a "
                                         f"{width}px screen")
            context.close()
        return folder


def signed_in_session(base_url: str, *, email: str, password: str, login_path: str = "/login/",
                      email_field: str = "email") -> requests.Session:
    """A requests session signed in through the login form (CSRF cookie and token included)."""
    session = requests.Session()
    page = session.get(urljoin(base_url, login_path), timeout=10)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    answer = session.post(urljoin(base_url, login_path), data={"csrfmiddlewaretoken": token, email_field: email,
                                                                "password": password},
                          headers={"Referer": urljoin(base_url, login_path)}, timeout=10)
    assert answer.history, f"signing in as {email} failed: {answer.status_code}"
    return session
