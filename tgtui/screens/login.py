"""Login: phone -> code (resend, delivery shown) -> 2FA password (hint shown) -> signed in;
or a QR code (F3) scanned by a phone already signed in -> 2FA password -> signed in. F6
opens the Connection screen (a proxy, where Telegram is blocked).

The screen only renders `LoginFlow`'s steps; every error is worded by
`tgtui.telegram.errors.explain` and the user stays on the step to try again. A FLOOD_WAIT
counts down with the button disabled until it ends.

Over 400 lines on purpose: three ways in (code, 2FA, QR) on one screen, whose steps share
its fields, countdowns and error line; the flow itself is `tgtui.telegram.auth`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import ClassVar

from telethon import errors
from textual import on, work
from textual.app import ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, Vertical
from textual.reactive import reactive
from textual.widgets import Button, Header, Input, Static
from textual.worker import get_current_worker

from tgtui.i18n import N_, _
from tgtui.retry import Wait
from tgtui.screens.base import TgtuiScreen, read_backups_key
from tgtui.screens.connection import connection_key
from tgtui.screens.palette import Binding
from tgtui.telegram.auth import CodeSent, LoginFlow, Step
from tgtui.telegram.errors import explain
from tgtui.untrusted import safe_text
from tgtui.widgets.countdown import Countdown
from tgtui.widgets.key_footer import KeyFooter
from tgtui.widgets.qr_code import QrCode

STEPS = (Step.PHONE, Step.CODE, Step.PASSWORD)
QR_STEPS = (Step.QR, Step.PASSWORD)
STEP_LABELS = {
    Step.PHONE: N_("phone"),
    Step.CODE: N_("code"),
    Step.QR: N_("QR code"),
    Step.PASSWORD: N_("password"),
}
INPUTS = ("phone", "code", "password")
QR_PROMPT = N_("Scan it in Telegram: Settings > Devices > Link Desktop Device")

# The errors a user can cause or wait out at each step; anything else is a fault for the app.
EXPECTED = (errors.RPCError, ConnectionError, OSError, TimeoutError)


def _steps_line(current: Step, by_qr: bool = False) -> str:
    parts = []
    for number, step in enumerate(QR_STEPS if by_qr else STEPS, 1):
        label = f"{number} {_(STEP_LABELS[step])}"
        parts.append(f"[b reverse] {label} [/]" if step is current else f"[dim] {label} [/]")
    return "  ".join(parts)


def _code_prompt(sent: CodeSent) -> str:
    if sent.length:
        text = _("Telegram sent the {length}-digit code to +{phone} {delivery}.").format(
            length=sent.length, phone=sent.phone, delivery=_(sent.delivery)
        )
    else:
        text = _("Telegram sent the code to +{phone} {delivery}.").format(
            phone=sent.phone, delivery=_(sent.delivery)
        )
    if sent.resend_delivery:
        text += " " + _("Not there? Resend it {delivery}.").format(delivery=_(sent.resend_delivery))
    return text


class LoginScreen(TgtuiScreen):
    """The three login steps on one screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "ctrl+r",
            "resend",
            N_("Resend code"),
            id="resend-code",
            tooltip=N_("Ask Telegram to send the code again"),
        ),
        Binding(
            "ctrl+b",
            "start_over",
            N_("Another number"),
            id="another-number",
            command=N_("Use another number"),
        ),
        Binding(
            "f3",
            "qr",
            N_("QR code"),
            id="qr-login",
            command=N_("Sign in with QR code"),
            tooltip=N_("Scan it in Telegram: Settings > Devices > Link Desktop Device"),
        ),
        Binding("f4", "scan", N_("Scan (demo phone)"), id="demo-scan"),
        read_backups_key("f2"),
        connection_key("f6"),
    ]

    step: reactive[Step] = reactive(Step.PHONE, init=False)
    busy: reactive[bool] = reactive(False, init=False)

    def __init__(
        self,
        flow: LoginFlow,
        *,
        phone: str = "",
        demo: bool = False,
        message: str | None = None,
        demo_phone: Callable[[bytes], Awaitable[None]] | None = None,
    ) -> None:
        super().__init__()
        self.flow = flow
        self.flow.on_wait = self._retrying
        self.phone = phone
        self.demo = demo
        self.first_message = message
        self.demo_phone = demo_phone  # scans the QR code in the demo (plays the phone)
        self.by_qr = False  # this login went the QR way (its steps line)

    def compose(self) -> ComposeResult:
        """Steps, prompt, the three inputs (one shown), messages and buttons."""
        yield Header()
        with Vertical(id="login-box", classes="dialog"):
            title = (
                _("Sign in to Telegram (demo sandbox)") if self.demo else _("Sign in to Telegram")
            )
            yield Static(title, classes="dialog-title")
            yield Static(_steps_line(Step.PHONE), id="login-steps")
            yield Static("", id="login-prompt", classes="dialog-detail")
            yield Input(
                self.phone,
                placeholder=_("phone, international format: +44 7700 900123"),
                id="phone",
                restrict=r"[0-9+ ()\-]*",
            )
            yield Input(placeholder=_("code"), id="code", restrict=r"[0-9 \-]*", max_length=12)
            yield Input(placeholder=_("password"), id="password", password=True)
            yield QrCode(id="qr-code")
            yield Static("", id="qr-status", classes="hint")
            yield Static("", id="login-hint", classes="hint")
            yield Static("", id="login-error", classes="error")
            yield Countdown(id="login-wait")
            with Horizontal(classes="buttons"):
                yield Button(_("Send code"), variant="primary", id="submit")
                yield Button(_("Sign in with QR code"), id="qr")
                yield Button(_("Resend code"), id="resend")
                yield Button(_("Use another number"), id="start-over")
                yield Button(_("Read backups offline"), id="read-backups")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Start at the phone step, with any message we were opened with."""
        self._show_step()
        if self.first_message:
            self._error(self.first_message)

    # --- rendering -----------------------------------------------------------------------

    def watch_step(self) -> None:
        """Show the current step's input, prompt and buttons."""
        self._show_step()
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Resend only on the code step; "another number" only past the phone step."""
        if action == "resend":
            return self.step is Step.CODE
        if action == "start_over":
            return self.step is not Step.PHONE
        if action == "qr":
            return self.step is Step.PHONE
        if action == "scan":
            return self.step is Step.QR and self.demo_phone is not None
        return True

    def watch_busy(self, busy: bool) -> None:
        """Disable the buttons while a request is in flight."""
        self._update_buttons()

    def _show_step(self) -> None:
        step = self.step
        self.query_one("#login-steps", Static).update(_steps_line(step, self.by_qr))
        for name in INPUTS:
            self.query_one(f"#{name}", Input).display = name == step.value
        qr = step is Step.QR
        self.query_one("#login-box").set_class(qr, "qr")  # room for the code at 80x24
        self.query_one("#qr-code", QrCode).display = qr
        self.query_one("#qr-status", Static).display = qr
        prompt = self.query_one("#login-prompt", Static)
        hint = self.query_one("#login-hint", Static)
        hint.update("")
        hint.display = False
        submit = self.query_one("#submit", Button)
        if step is Step.PHONE:
            prompt.update(
                _("Enter your phone number. Telegram will send you a login code.")
                + (
                    "\n" + _("Demo: the sandbox's number is filled in; press Enter.")
                    if self.demo
                    else ""
                )
            )
            submit.label = _("Send code")
        elif step is Step.CODE and self.flow.sent is not None:
            prompt.update(_code_prompt(self.flow.sent))
            submit.label = _("Sign in")
        elif step is Step.PASSWORD:
            prompt.update(_("This account has two-step verification. Enter your cloud password."))
            if self.flow.password_hint:
                hint.update(
                    safe_text(_("Hint: {hint}").format(hint=self.flow.password_hint), limit=200)
                )
                hint.display = True
            submit.label = _("Unlock")
        elif step is Step.QR:
            prompt.update(_(QR_PROMPT))
        self._update_buttons()
        if step.value in INPUTS:
            self.query_one(f"#{step.value}", Input).focus()

    def _update_buttons(self) -> None:
        waiting = self.query_one("#login-wait", Countdown).running
        submit = self.query_one("#submit", Button)
        submit.disabled = self.busy or waiting
        submit.display = self.step is not Step.QR
        qr = self.query_one("#qr", Button)
        qr.display = self.step is Step.PHONE
        qr.disabled = self.busy or waiting
        resend = self.query_one("#resend", Button)
        resend.display = self.step is Step.CODE
        resend.disabled = self.busy or waiting
        start_over = self.query_one("#start-over", Button)
        start_over.display = self.step is not Step.PHONE
        start_over.disabled = self.busy and self.step is not Step.QR
        start_over.label = _("Use a phone number") if self.by_qr else _("Use another number")
        # Room for it on the first step only; F2 works on every step.
        self.query_one("#read-backups", Button).display = self.step is Step.PHONE

    def _error(self, text: str) -> None:
        line = self.query_one("#login-error", Static)
        line.update(safe_text(text, multiline=True))
        line.display = bool(text)

    def _retrying(self, wait: Wait) -> None:
        self._error(f"{explain(wait.error).text} Next try in {wait.seconds:.0f} s.")

    # --- actions ---------------------------------------------------------------------------

    @on(Input.Submitted)
    @on(Button.Pressed, "#submit")
    def _submit(self) -> None:
        if self.busy or self.query_one("#login-wait", Countdown).running:
            return
        if self.step.value not in INPUTS:
            return
        value = self.query_one(f"#{self.step.value}", Input).value
        self.run_step(self.step, value)

    @on(Button.Pressed, "#read-backups")
    def _read_backups(self) -> None:
        self.tgtui.action_open_archive()

    @on(Button.Pressed, "#resend")
    def action_resend(self) -> None:
        """Ask Telegram to send the code again."""
        if self.step is Step.CODE and not self.busy:
            self.run_step(Step.CODE, None)

    @on(Button.Pressed, "#start-over")
    def action_start_over(self) -> None:
        """Back to the phone number."""
        if self.busy and self.step is not Step.QR:
            return
        self.workers.cancel_group(self, "login")
        self.busy = False
        self.by_qr = False
        self.flow.restart()
        self._error("")
        for name in ("code", "password"):
            self.query_one(f"#{name}", Input).value = ""
        self.step = Step.PHONE

    @work(exclusive=True, group="login", exit_on_error=False, description=N_("Signing in"))
    async def run_step(self, step: Step, value: str | None) -> None:
        """Send one step to Telegram; on an expected error stay on the step with a message."""
        self.busy = True
        self._error("")
        try:
            if step is Step.PHONE:
                assert value is not None
                await self.flow.send_code(value)
                next_step = self.flow.step
            elif step is Step.CODE and value is None:
                await self.flow.resend_code()
                next_step = Step.CODE
                self._show_step()
                delivery = _(self.flow.sent.delivery) if self.flow.sent else ""
                self.notify(_("Code sent again {delivery}.").format(delivery=delivery))
            elif step is Step.CODE:
                assert value is not None
                next_step = await self.flow.submit_code(value)
            else:
                assert value is not None
                next_step = await self.flow.submit_password(value)
        except EXPECTED as exc:
            if get_current_worker().is_cancelled:
                return
            self._failed(step, exc)
            return
        finally:
            self.busy = False
        if next_step is Step.DONE:
            self.query_one("#password", Input).value = ""
            self.tgtui.show_dialogs()
        else:
            self.step = next_step

    # --- QR login --------------------------------------------------------------------------

    @on(Button.Pressed, "#qr")
    def action_qr(self) -> None:
        """Sign in by scanning a QR code with a phone already signed in."""
        if self.step is not Step.PHONE or self.busy:
            return
        if self.query_one("#login-wait", Countdown).running:
            return
        self.by_qr = True
        self._error("")
        self.run_qr()

    @work(exclusive=True, group="login", exit_on_error=False, description=N_("QR login"))
    async def run_qr(self) -> None:
        """Show a login token as a QR code, renew it before it expires, and finish the login
        when the phone accepts it (then the password for a 2FA account)."""
        self.busy = True
        status = self.set_interval(1.0, self._show_qr_status)
        try:
            while True:
                code = await self.flow.qr_code()
                if code is None:
                    break  # the answer settled the login
                self.query_one("#qr-code", QrCode).show(code.url)
                if self.step is not Step.QR:
                    self.step = Step.QR
                    if self.demo_phone is not None:
                        self.notify(_("Demo: press F4 to scan the code with the demo phone."))
                self._show_qr_status()
                if await self.flow.qr_scanned(code):
                    self.query_one("#qr-status", Static).update(_("Scanned: signing in…"))
                    if await self.flow.qr_accepted() is not Step.QR:
                        break
        except EXPECTED as exc:
            if get_current_worker().is_cancelled:
                return
            self.busy = False
            self._failed(Step.QR, exc)
            return
        finally:
            status.stop()
            self.busy = False
        if self.flow.step is Step.DONE:
            self.tgtui.show_dialogs()
        else:
            self.step = self.flow.step

    def _show_qr_status(self) -> None:
        code = self.flow.qr
        if code is None or self.step is not Step.QR:
            return
        left = max(0, round(code.renew_at - self.flow.clock()))
        self.query_one("#qr-status", Static).update(
            _("A new code in {seconds} s.").format(seconds=left)
        )

    def action_scan(self) -> None:
        """Demo: the demo phone scans the code on screen."""
        code = self.flow.qr
        if self.step is Step.QR and code is not None and self.demo_phone is not None:
            self._scan(code.token)

    @work(group="scan", exit_on_error=False, description=N_("Demo phone"))
    async def _scan(self, token: bytes) -> None:
        assert self.demo_phone is not None
        try:
            await self.demo_phone(token)
        except EXPECTED as exc:
            self._error(explain(exc).text)

    def _failed(self, step: Step, exc: BaseException) -> None:
        explanation = explain(exc)
        if step is Step.QR:  # the QR way is started again by its key
            self.by_qr = False
            self.flow.restart()
            self.step = Step.PHONE
            self._show_step()
        if explanation.sign_in_again or isinstance(exc, errors.PhoneCodeExpiredError):
            # The code (or the whole attempt) is dead: start over from the phone number.
            self.flow.restart()
            self.step = Step.PHONE
        field = self.query_one(f"#{self.step.value}", Input)
        if explanation.wait_seconds:
            self._error("")
            self.query_one("#login-wait", Countdown).start(
                explanation.wait_seconds,
                _("Telegram asks us to wait before trying again: {seconds} s."),
                on_done=self._wait_over,
            )
            self._update_buttons()
        else:
            self._error(explanation.text)
        if step is Step.PASSWORD or isinstance(exc, errors.PhoneCodeInvalidError):
            field.value = ""
        field.focus()

    def _wait_over(self) -> None:
        self._update_buttons()
        self._error(_("You can try again now."))
