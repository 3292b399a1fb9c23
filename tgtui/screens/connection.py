"""Connection: the proxy tgtui connects through, set by pasting the link a channel gave.

The field is read as it is typed (`tgtui.proxy.parse_proxy`): what it understood shows
redacted (`Proxy.redacted`), or why it cannot be read. Test tries the way to Telegram
through it once (`TelegramService.test_proxy`); Save writes config.toml (0600, atomically)
and connects again through it; No proxy removes it. The field is masked, as a password is:
a pasted link holds the proxy's password or secret, and a screenshot must not. Every line
the screen writes shows the proxy redacted; the errors are `tgtui.telegram.errors`'s.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Header, Input, LoadingIndicator, Static

from tgtui.config import save_proxy
from tgtui.i18n import N_, _
from tgtui.log import redactor
from tgtui.proxy import ENVIRONMENT, MAX_LENGTH, Proxy, ProxyError, ProxySetting, parse_proxy
from tgtui.screens.base import TgtuiScreen
from tgtui.screens.palette import Binding
from tgtui.telegram.errors import explain
from tgtui.untrusted import safe_text
from tgtui.widgets.key_footer import KeyFooter

COMMAND = N_("Connection settings (proxy)")
TOOLTIP = N_("Connect through a proxy: paste the link a channel gave you, test it, save it")
SAVED = "config.toml"  # the source of a proxy saved here
THIS_RUN = "this run"  # the source of one set in the demo, which never writes config.toml


def connection_key(key: str) -> Binding:
    """The key that opens the Connection screen (the login's and the connecting screen's)."""
    return Binding(
        key, "app.connection", N_("Proxy"), id="connection", command=COMMAND, tooltip=TOOLTIP
    )


def keep_out_of_the_log(text: str, proxy: Proxy) -> None:
    """Register the link, the password and the secret with the log's redactor, before they
    reach the client (which never logs them; this is the second lock)."""
    # A short password ("pass") is not registered: the redactor replaces text anywhere, and
    # would cut words of every log line ("user name and [redacted]word"); it is never
    # logged in the first place.
    password = proxy.password if proxy.password and len(proxy.password) >= 8 else None
    secrets = (password, proxy.secret.hex() if proxy.secret else None)
    for secret in (*secrets, text.strip() if proxy.password or proxy.secret else None):
        if secret:
            redactor.register(secret)


def now_through(setting: ProxySetting) -> str:
    """The proxy connections go through now, and where it was set, for a person."""
    proxy, source = setting.proxy.redacted, setting.source
    if source == "--proxy":
        return _("Now: {proxy}, from the command line (--proxy).").format(proxy=proxy)
    if source in ENVIRONMENT:
        return _("Now: {proxy}, from the environment ({name}).").format(proxy=proxy, name=source)
    if source == THIS_RUN:
        return _("Now: {proxy}, for this demo run.").format(proxy=proxy)
    return _("Now: {proxy}, from config.toml.").format(proxy=proxy)


class ConnectionScreen(TgtuiScreen):
    """The proxy: paste, see what was understood, test, save (and connect again)."""

    DEFAULT_CSS = """
    ConnectionScreen { align: center middle; }
    #connection-box {
        width: 72;
        max-width: 100%;
        height: auto;
        border: round $primary;
        padding: 0 2;
        background: $surface;
    }
    #connection-field { height: auto; }
    #connection-field Input { width: 1fr; }
    #connection-field Button { width: auto; min-width: 8; margin: 1 0 0 1; }
    #connection-testing { height: 1; display: none; }
    #connection-testing.-on { display: block; }
    #connection-testing LoadingIndicator { width: 8; height: 1; }
    #connection-testing Static { width: 1fr; color: $text-muted; }
    #connection-result.ok { color: $success; }
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", N_("Back"), id="back", palette=False),
        Binding(
            "ctrl+t",
            "test",
            N_("Test"),
            id="proxy-test",
            command=N_("Test the proxy"),
            tooltip=N_("Try to reach Telegram through it once, without saving it"),
        ),
    ]

    testing: reactive[bool] = reactive(False, init=False)

    def __init__(self, text: str = "") -> None:
        super().__init__()
        self.text = text  # what was saved last in this run (shown masked)

    def compose(self) -> ComposeResult:
        """What it is for, where the proxy comes from now, the field, its reading, buttons."""
        yield Header()
        with Vertical(id="connection-box"):  # a .dialog with less padding: 80x24
            yield Static(_("Connection: proxy"), classes="dialog-title")
            yield Static(
                _(
                    "Paste the link a channel gave you (t.me/proxy, t.me/socks), or a "
                    "proxy's address: socks5://, socks4://, http://."
                ),
                classes="dialog-detail",
            )
            yield Static("", id="connection-now", classes="hint")
            with Horizontal(id="connection-field"):
                yield Input(
                    self.text,
                    placeholder=_("socks5://user:password@host:port, or the link"),
                    id="proxy",
                    password=True,
                    max_length=MAX_LENGTH,  # a 2 MB paste kept a core busy
                )
                yield Button(_("Show"), id="reveal", compact=True)
            yield Static("", id="connection-understood", classes="hint")
            yield Static("", id="connection-error", classes="error")
            with Horizontal(id="connection-testing"):
                yield LoadingIndicator()
                yield Static("", id="connection-testing-text")
            yield Static("", id="connection-result", classes="error")
            with Horizontal(classes="buttons"):
                yield Button(_("Save and connect"), variant="primary", id="save")
                yield Button(_("Test"), id="test")
                yield Button(_("No proxy"), id="no-proxy")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Say where the proxy comes from now; read what the field holds."""
        self._line("#connection-now", self._now())
        self._result("")
        self._read()
        self.query_one("#proxy", Input).focus()

    def _now(self) -> str:
        """The proxy connections go through now, and where it was set."""
        service = self.tgtui.service
        setting = service.spec.proxy
        if setting is None:
            return _("Now: no proxy, straight to Telegram.")
        if service.proxy is None:  # the environment's, not used for this server
            return _(
                "Now: straight to Telegram ({name} names a proxy, not used for this server)."
            ).format(name=setting.source)
        text = now_through(setting)
        if setting.source == "--proxy":
            text += " " + _("One saved here is used when --proxy is not given.")
        return text

    # --- reading the field -----------------------------------------------------------------

    @on(Input.Changed, "#proxy")
    def _changed(self) -> None:
        self.workers.cancel_group(self, "proxy-test")  # its answer was for the old text
        self.testing = False
        self._result("")
        self._read()

    def _line(self, selector: str, text: str) -> None:
        """Show ``text`` on a line of the screen (hidden when there is none)."""
        line = self.query_one(selector, Static)
        line.update(safe_text(text, multiline=True))
        line.display = bool(text)

    def _read(self) -> None:
        """Show what the field names, redacted, or why it names none."""
        text = self.query_one("#proxy", Input).value
        understood, error = "", ""
        if text.strip():
            try:
                understood = _("Understood: {proxy}").format(proxy=parse_proxy(text).redacted)
            except ProxyError as exc:
                error = str(exc)
        self._line("#connection-understood", understood)
        self._line("#connection-error", error)

    def _proxy_or_say(self) -> Proxy | None:
        """The field's proxy; else the reason on the error line and the field focused."""
        field = self.query_one("#proxy", Input)
        try:
            return parse_proxy(field.value)
        except ProxyError as exc:
            self._line("#connection-error", str(exc))
            field.focus()
            return None

    @on(Button.Pressed, "#reveal")
    def _reveal(self) -> None:
        field = self.query_one("#proxy", Input)
        field.password = not field.password
        self.query_one("#reveal", Button).label = _("Show") if field.password else _("Hide")

    # --- testing ---------------------------------------------------------------------------

    @on(Button.Pressed, "#test")
    def action_test(self) -> None:
        """Try the way to Telegram through the proxy in the field, once, without saving."""
        proxy = self._proxy_or_say()
        if proxy is not None and not self.testing:
            keep_out_of_the_log(self.query_one("#proxy", Input).value, proxy)
            self._result("")
            self.run_test(proxy)

    @work(exclusive=True, group="proxy-test", exit_on_error=False, description=N_("Testing"))
    async def run_test(self, proxy: Proxy) -> None:
        """Connect to Telegram through ``proxy`` once and say what happened."""
        self.query_one("#connection-testing-text", Static).update(
            safe_text(_("Testing: reaching Telegram through {proxy}…").format(proxy=proxy.redacted))
        )
        self.testing = True
        try:
            problem = await self.tgtui.service.test_proxy(proxy)
        finally:
            self.testing = False
        if problem is None:
            self._result(_("Connected: Telegram answered through the proxy."), ok=True)
        else:
            self._result(explain(problem).text)

    def watch_testing(self, testing: bool) -> None:
        """A spinner and "Testing…" while a test runs."""
        self.query_one("#connection-testing").set_class(testing, "-on")
        test = self.query_one("#test", Button)
        test.disabled = testing
        test.label = _("Testing…") if testing else _("Test")

    def _result(self, text: str, *, ok: bool = False) -> None:
        self.query_one("#connection-result").set_class(ok, "ok")
        self._line("#connection-result", text)

    # --- saving ----------------------------------------------------------------------------

    @on(Input.Submitted, "#proxy")
    @on(Button.Pressed, "#save")
    def _save(self) -> None:
        proxy = self._proxy_or_say()
        if proxy is None or not self._may_reconnect():
            return
        text = self.query_one("#proxy", Input).value.strip()
        keep_out_of_the_log(text, proxy)
        if not self._saved(text):
            return
        self.tgtui.proxy_text = text
        self._use(ProxySetting(proxy, THIS_RUN if self.tgtui.context.demo else SAVED))

    @on(Button.Pressed, "#no-proxy")
    def _no_proxy(self) -> None:
        if not self._may_reconnect() or not self._saved(None):
            return
        self.tgtui.proxy_text = ""
        previous = self.tgtui.service.spec.proxy
        if previous is not None and previous.source in ENVIRONMENT:
            self.notify(
                _(
                    "No proxy for this run; {name} names one again at the next start "
                    "(tgtui --no-proxy skips it)."
                ).format(name=previous.source),
                timeout=10,
            )
        self._use(None)

    def _may_reconnect(self) -> bool:
        """Connecting again drops the connection: not while a backup runs."""
        job = self.tgtui.backup_job
        if job is not None and job.running:
            self.notify(
                _("A backup is running: let it finish, or cancel it, then change the proxy."),
                severity="warning",
            )
            return False
        return True

    def _saved(self, text: str | None) -> bool:
        """Write the proxy to config.toml (never in the demo); say why not if it fails."""
        if self.tgtui.context.demo:
            return True
        config_file = self.tgtui.context.settings.config_file
        try:
            save_proxy(config_file, text)
        except OSError as exc:
            reason = exc.strerror or type(exc).__name__
            self._line(
                "#connection-error",
                _("Could not save it to {file} ({reason}).").format(
                    file=config_file, reason=reason
                ),
            )
            return False
        return True

    def _use(self, setting: ProxySetting | None) -> None:
        """Back to the connecting screen, which connects again through ``setting``."""
        self.workers.cancel_group(self, "proxy-test")
        self.tgtui.reconnect(setting)

    def action_back(self) -> None:
        """Leave without changing anything."""
        self.workers.cancel_group(self, "proxy-test")
        self.dismiss()
