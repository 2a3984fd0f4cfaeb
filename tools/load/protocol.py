"""A browserless Streamlit client: Streamlit's own websocket protocol, as its front end speaks it.

One `StreamlitSession` is one browser tab: it opens `/_stcore/stream`, sends `BackMsg.rerun_script` with the
widget states a user would have produced (text typed, buttons pressed, files uploaded through
`/_stcore/upload_file`), and reads the `ForwardMsg`s of each run up to `script_finished`. The elements of the
last finished run are kept, so a scenario can find widgets by their label and read what the page said.

Only loopback addresses are accepted.
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import urlsplit

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.Common_pb2 import FileURLsRequest, UploadedFileInfo
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from streamlit.proto.WidgetStates_pb2 import WidgetState
from websockets.asyncio.client import connect

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
XSRF_COOKIE = "_streamlit_xsrf"
FINAL = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_FRAGMENT_RUN_SUCCESSFULLY}


class ProtocolError(RuntimeError):
    """The server answered something a browser would not have accepted (or nothing in time)."""


def require_loopback(url: str) -> None:
    host = urlsplit(url).hostname
    if host not in LOOPBACK:
        raise ValueError(f"bench load talks to loopback addresses only, not {host!r}")


@dataclass
class Widget:
    kind: str  # the Element oneof name: text_input, button, file_uploader, ...
    id: str
    label: str
    proto: object
    form_id: str = ""


@dataclass
class Page:
    script_hash: str
    url_pathname: str
    title: str


@dataclass
class RunResult:
    seconds: float
    texts: list[str] = field(default_factory=list)
    alerts: list[tuple[str, str]] = field(default_factory=list)  # (kind, body)
    exceptions: list[str] = field(default_factory=list)


ALERT_KINDS = {0: "unspecified", 1: "error", 2: "warning", 3: "info", 4: "success"}


class StreamlitSession:
    """One browser tab on a Streamlit server, driven over the websocket."""

    def __init__(self, base_url: str, *, timeout: float = 60.0, cookies: dict[str, str] | None = None) -> None:
        require_loopback(base_url)
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.cookies = dict(cookies or {})
        self.session_id = ""
        self.pages: dict[str, Page] = {}  # url_pathname -> page
        self.page_hash = ""
        self.widgets: list[Widget] = []
        self.values: dict[str, WidgetState] = {}  # widget id -> the state the "browser" holds for it
        self._result = RunResult(0.0)
        self._ws = None
        self._inbox: asyncio.Queue[ForwardMsg] = asyncio.Queue()
        self._reader: asyncio.Task | None = None
        self._file_urls: dict[str, asyncio.Future] = {}

    # -- connection --------------------------------------------------------------------------------------------
    async def connect(self) -> None:
        if XSRF_COOKIE not in self.cookies:
            await asyncio.to_thread(self._fetch_xsrf_cookie)
        parts = urlsplit(self.base_url)
        ws_url = f"ws://{parts.netloc}{parts.path}/_stcore/stream"
        cookie_header = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        self._ws = await connect(
            ws_url,
            subprotocols=["streamlit", self.cookies[XSRF_COOKIE]],
            additional_headers={"Cookie": cookie_header, "Origin": f"http://{parts.netloc}"},
            max_size=64 * 1024 * 1024,
            open_timeout=self.timeout,
            ping_interval=None,
        )
        self._reader = asyncio.create_task(self._read())

    async def close(self) -> None:
        if self._ws is not None:
            await self._ws.close()
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):  # closing anyway
                await self._reader

    async def __aenter__(self) -> StreamlitSession:
        await self.connect()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.close()

    def _http(self) -> http.client.HTTPConnection:
        parts = urlsplit(self.base_url)
        return http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=self.timeout)

    def _fetch_xsrf_cookie(self) -> None:
        connection = self._http()
        try:
            connection.request("GET", urlsplit(self.base_url).path + "/_stcore/health", headers=self._cookie_headers())
            response = connection.getresponse()
            response.read()
            for header in response.headers.get_all("Set-Cookie") or []:
                for name, morsel in SimpleCookie(header).items():
                    self.cookies[name] = morsel.value
        finally:
            connection.close()
        if XSRF_COOKIE not in self.cookies:
            raise ProtocolError("the server set no XSRF cookie")

    def _cookie_headers(self) -> dict[str, str]:
        return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())} if self.cookies else {}

    async def _read(self) -> None:
        async for data in self._ws:
            message = ForwardMsg()
            message.ParseFromString(data)
            kind = message.WhichOneof("type")
            if kind == "file_urls_response":
                future = self._file_urls.pop(message.file_urls_response.response_id, None)
                if future is not None and not future.done():
                    future.set_result(message.file_urls_response)
                continue
            await self._inbox.put(message)

    # -- runs ----------------------------------------------------------------------------------------------------
    async def open(self, url_pathname: str = "") -> RunResult:
        """The first run of a new tab on `url_pathname` (what typing the address does)."""
        return await self.rerun(page_name=url_pathname, keep_values=False)

    async def goto(self, title_or_path: str) -> RunResult:
        """Open a page of the navigation (by its url path or menu title), as a click in the sidebar does."""
        page = self.find_page(title_or_path)
        return await self.rerun(page_hash=page.script_hash, page_name=page.url_pathname, keep_values=False)

    def find_page(self, title_or_path: str) -> Page:
        for page in self.pages.values():
            if title_or_path in (page.url_pathname, page.title) or page.title.startswith(title_or_path + "（"):
                return page
        raise ProtocolError(f"no page {title_or_path!r} in the navigation ({', '.join(self.pages)})")

    def widget(self, kind: str, label: str) -> Widget:
        for widget in self.widgets:
            if widget.kind == kind and widget.label == label:
                return widget
        shown = ", ".join(f"{w.kind}:{w.label}" for w in self.widgets)
        raise ProtocolError(f"no {kind} labelled {label!r} on the page (has: {shown})")

    def has_widget(self, kind: str, label: str) -> bool:
        return any(w.kind == kind and w.label == label for w in self.widgets)

    def set_text(self, kind: str, label: str, value: str) -> None:
        widget = self.widget(kind, label)
        self.values[widget.id] = WidgetState(id=widget.id, string_value=value)

    def set_bool(self, label: str, value: bool) -> None:
        widget = self.widget("checkbox", label)
        self.values[widget.id] = WidgetState(id=widget.id, bool_value=value)

    def set_index(self, kind: str, label: str, index: int) -> None:
        widget = self.widget(kind, label)
        self.values[widget.id] = WidgetState(id=widget.id, int_value=index)

    def set_option(self, kind: str, label: str, option: str) -> None:
        """A selectbox/radio/segmented control given by its shown option (Streamlit 1.67 sends the value)."""
        widget = self.widget(kind, label)
        options = list(widget.proto.options)
        if option not in options:
            raise ProtocolError(f"{label!r} has no option {option!r} ({options})")
        if kind == "button_group":
            self.values[widget.id] = WidgetState(id=widget.id, string_array_value={"data": [option]})
        else:
            self.values[widget.id] = WidgetState(id=widget.id, string_value=option)

    async def click(self, label: str, *, kind: str = "button") -> RunResult:
        """Press a button (or a form's submit button, which sends the form's fields with it)."""
        widget = self.widget(kind, label)
        return await self.rerun(trigger=WidgetState(id=widget.id, trigger_value=True))

    async def type_and_enter(self, label: str, value: str) -> RunResult:
        """Type into a text input outside a form and press Enter (one rerun)."""
        self.set_text("text_input", label, value)
        return await self.rerun()

    async def upload(self, label: str, name: str, data: bytes, content_type: str = "image/jpeg") -> RunResult:
        """Choose a file in a file uploader: ask for its URL, PUT it, then rerun with the uploader's state."""
        widget = self.widget("file_uploader", label)
        request_id = uuid.uuid4().hex
        future = asyncio.get_running_loop().create_future()
        self._file_urls[request_id] = future
        message = BackMsg(file_urls_request=FileURLsRequest(request_id=request_id, file_names=[name]))
        message.file_urls_request.session_id = self.session_id
        await self._ws.send(message.SerializeToString())
        response = await asyncio.wait_for(future, self.timeout)
        if response.error_msg or not response.file_urls:
            raise ProtocolError(f"no upload URL: {response.error_msg}")
        urls = response.file_urls[0]
        await asyncio.to_thread(self._put_file, urls.upload_url, name, data, content_type)
        info = UploadedFileInfo(name=name, size=len(data), file_id=urls.file_id)
        info.file_urls.CopyFrom(urls)
        state = WidgetState(id=widget.id)
        state.file_uploader_state_value.uploaded_file_info.append(info)
        self.values[widget.id] = state
        return await self.rerun()

    def _put_file(self, upload_url: str, name: str, data: bytes, content_type: str) -> None:
        path = upload_url if upload_url.startswith("/") else urlsplit(upload_url).path
        if not path.startswith(urlsplit(self.base_url).path + "/"):
            path = urlsplit(self.base_url).path + "/" + path.lstrip("/")
        boundary = uuid.uuid4().hex
        body = (
            (
                f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
                f"Content-Type: {content_type}\r\n\r\n"
            ).encode()
            + data
            + f"\r\n--{boundary}--\r\n".encode()
        )
        headers = {
            **self._cookie_headers(),
            "X-Xsrftoken": self.cookies[XSRF_COOKIE],
            "Content-Type": f"multipart/form-data; boundary={boundary}",
        }
        connection = self._http()
        try:
            connection.request("PUT", path, body=body, headers=headers)
            response = connection.getresponse()
            text = response.read()
            if response.status >= 300:
                raise ProtocolError(f"upload refused: HTTP {response.status} {text[:200]!r}")
        finally:
            connection.close()

    async def rerun(
        self,
        *,
        trigger: WidgetState | None = None,
        page_hash: str | None = None,
        page_name: str = "",
        keep_values: bool = True,
    ) -> RunResult:
        """Send one rerun request and wait for the run (and any st.rerun() it asks for) to finish."""
        if not keep_values:
            self.values = {}
        message = BackMsg()
        state = message.rerun_script
        state.query_string = ""
        state.page_script_hash = self.page_hash if page_hash is None else page_hash
        state.page_name = page_name
        state.widget_states.widgets.extend(self.values.values())
        if trigger is not None:
            state.widget_states.widgets.append(trigger)
        state.context_info.timezone = "Asia/Shanghai"
        state.context_info.timezone_offset = -480
        state.context_info.locale = "zh-CN"
        state.context_info.url = f"{self.base_url}/{page_name}"
        started = time.perf_counter()
        await self._ws.send(message.SerializeToString())
        result = await asyncio.wait_for(self._collect(), self.timeout)
        result.seconds = time.perf_counter() - started
        rendered = {w.id for w in self.widgets}
        self.values = {k: v for k, v in self.values.items() if k in rendered}
        return result

    async def _collect(self) -> RunResult:
        while True:
            message = await self._inbox.get()
            kind = message.WhichOneof("type")
            if kind == "new_session":
                self._new_run(message)
            elif kind == "navigation":
                self.pages = {
                    p.url_pathname: Page(p.page_script_hash, p.url_pathname, p.page_name)
                    for p in message.navigation.app_pages
                }
                self.page_hash = message.navigation.page_script_hash or self.page_hash
            elif kind == "delta":
                self._delta(message)
            elif kind == "page_not_found":
                self._result.exceptions.append(f"page not found: {message.page_not_found.page_name}")
            elif kind == "script_finished":
                if message.script_finished == ForwardMsg.FINISHED_WITH_COMPILE_ERROR:
                    self._result.exceptions.append("script compile error")
                    return self._result
                if message.script_finished in FINAL:
                    return self._result

    def _new_run(self, message: ForwardMsg) -> None:
        new = message.new_session
        if new.initialize.session_id:
            self.session_id = new.initialize.session_id
        self.widgets = []
        self._result = RunResult(0.0)

    def _delta(self, message: ForwardMsg) -> None:
        delta = message.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind is None:
            return
        body = getattr(element, kind)
        if kind == "alert":
            self._result.alerts.append((ALERT_KINDS.get(body.format, "?"), body.body))
        elif kind == "exception":
            self._result.exceptions.append(f"{body.type}: {body.message}")
        elif kind in ("markdown", "heading", "text"):
            self._result.texts.append(body.body)
        widget_id = getattr(body, "id", "") if hasattr(body, "id") else ""
        if widget_id:
            label = getattr(body, "label", "")
            self.widgets.append(Widget(kind, widget_id, label, body, getattr(body, "form_id", "")))
        elif kind == "page_link":
            self.widgets.append(Widget(kind, body.page_script_hash, body.label, body))
