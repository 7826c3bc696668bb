"""A Streamlit session driven over its websocket, as a browser tab drives it, without drawing.

The load test's sessions: each one connects to `/_stcore/stream`, asks for a page by its
address, reads the messages the server sends back (the page's elements, its navigation, the
end of the run), types into the sign-in form and presses its button by sending the same
widget states a browser sends, and follows the sidebar menu by the pages' script hashes.
The server does exactly the work it does for a browser (the script run, the elements,
their serialisation and sending); what is left out is the drawing, which in use happens on
each user's own computer and not on the server's cores.

A page is loaded when the server says its run has finished (the whole page has been sent,
not just its first chart); a run cut short for a rerun (`st.rerun`, a sign-in) is followed
to the run that finishes. An exception element anywhere on the page is an error.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass, field

import websockets
from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

FINISHED = ForwardMsg.ScriptFinishedStatus.Value("FINISHED_SUCCESSFULLY")
MAX_MESSAGE_BYTES = 200 * 1024 * 1024  # the server's own limit on a message


@dataclass
class Run:
    """What one finished run of the page put on the screen, as far as the test needs it."""

    seconds: float = 0.0
    first_chart_s: float | None = None
    headings: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    charts: int = 0
    script_runs: int = 0  # runs of the script this load took (a sign-in reruns it)
    # label -> widget id, for the form a session fills in (text inputs and buttons)
    widgets: dict[str, str] = field(default_factory=dict)


class ProtocolSession:
    """One browser tab's conversation with the server, without the browser."""

    def __init__(self, base_url: str):
        self.base = base_url.rstrip("/")
        self.url = self.base.replace("http://", "ws://", 1) + "/_stcore/stream"
        self.address = ""  # the url path of the page in the address bar
        self.ws = None
        self.pages: dict[str, str] = {}  # url path -> page script hash (from navigation)

    async def connect(self) -> None:
        self.ws = await websockets.connect(
            self.url, subprotocols=["streamlit"], max_size=MAX_MESSAGE_BYTES,
            open_timeout=60, ping_interval=None,
        )  # fmt: skip

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()

    async def clear_caches(self) -> None:
        """What Streamlit's "Clear caches" menu item sends: the server clears its data and
        resource caches for every session (the load test's warm-up leaves no result behind)."""
        msg = BackMsg()
        msg.clear_cache = True
        await self.ws.send(msg.SerializeToString())

    async def open(self, url_path: str, timeout_s: float) -> Run:
        """Ask for the page at `url_path` as a browser arriving at that address does."""
        self.address = url_path
        return await self._rerun(timeout_s, page_name=url_path)

    async def go_to(self, url_path: str, timeout_s: float) -> Run:
        """A click on the page's link in the sidebar menu."""
        page_hash = self.pages.get(url_path)
        if page_hash is None:
            raise LookupError(f"no page at /{url_path} in the menu")
        self.address = url_path
        return await self._rerun(timeout_s, page_script_hash=page_hash)

    async def submit(self, values: dict[str, str], button: str, run: Run, timeout_s: float) -> Run:
        """Type `values` (label -> text) into the form drawn in `run` and press `button`."""
        msg = BackMsg()
        state = msg.rerun_script
        for label, text in values.items():
            widget = state.widget_states.widgets.add()
            widget.id = run.widgets[label]
            widget.string_value = text
        pressed = state.widget_states.widgets.add()
        pressed.id = run.widgets[button]
        pressed.trigger_value = True
        state.page_script_hash = self._current_hash
        self._browser_context(msg)
        return await self._send_and_wait(msg, timeout_s)

    _current_hash = ""

    async def _rerun(
        self, timeout_s: float, page_name: str = "", page_script_hash: str = ""
    ) -> Run:
        msg = BackMsg()
        msg.rerun_script.page_name = page_name
        msg.rerun_script.page_script_hash = page_script_hash
        msg.rerun_script.query_string = ""
        msg.rerun_script.widget_states.SetInParent()
        self._browser_context(msg)
        return await self._send_and_wait(msg, timeout_s)

    def _browser_context(self, msg: BackMsg) -> None:
        # What a browser tells the server about itself on every run (st.context): the
        # address in its address bar above all, which the sign-in uses to open the page asked
        # for.
        info = msg.rerun_script.context_info
        info.url = f"{self.base}/{self.address}"
        info.timezone = "Europe/London"
        info.locale = "en-GB"

    async def _send_and_wait(self, msg: BackMsg, timeout_s: float) -> Run:
        t0 = time.perf_counter()
        await self.ws.send(msg.SerializeToString())
        return await asyncio.wait_for(self._read_until_finished(t0), timeout=timeout_s)

    async def _read_until_finished(self, t0: float) -> Run:
        run = Run()
        while True:
            raw = await self.ws.recv()
            fwd = ForwardMsg()
            fwd.ParseFromString(raw)
            kind = fwd.WhichOneof("type")
            if kind == "new_session":
                runs = run.script_runs + 1
                run = Run()  # a new run (a rerun after a sign-in starts afresh)
                run.script_runs = runs
                self._current_hash = fwd.new_session.page_script_hash or self._current_hash
            elif kind == "navigation":
                self.pages = {p.url_pathname: p.page_script_hash for p in fwd.navigation.app_pages}
                self._current_hash = fwd.navigation.page_script_hash or self._current_hash
            elif kind == "delta":
                self._read_delta(fwd, run, t0)
            elif kind == "script_finished" and fwd.script_finished == FINISHED:
                run.seconds = time.perf_counter() - t0
                return run
            # A run finished early for a rerun (FOR_RERUN) is followed by the page's run.

    @staticmethod
    def _read_delta(fwd: ForwardMsg, run: Run, t0: float) -> None:
        delta = fwd.delta
        if delta.WhichOneof("type") != "new_element":
            return
        element = delta.new_element
        kind = element.WhichOneof("type")
        if kind == "plotly_chart":
            run.charts += 1
            if run.first_chart_s is None:
                run.first_chart_s = time.perf_counter() - t0
        elif kind == "exception":
            run.exceptions.append(f"{element.exception.type}: {element.exception.message}"[:200])
        elif kind == "heading":
            run.headings.append(element.heading.body)
        elif kind == "markdown" and element.markdown.body.startswith("# "):
            run.headings.append(element.markdown.body[2:])
        elif kind == "text_input":
            run.widgets[element.text_input.label] = element.text_input.id
        elif kind == "button":
            run.widgets[element.button.label] = element.button.id
