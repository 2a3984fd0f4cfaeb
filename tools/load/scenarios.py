"""What each simulated user does: log in, then walk their role's pages and actions until the time is up.

Every interaction is one rerun request, timed from the request to the run's `script_finished`; the scan is
timed from pressing 提交 to the page that shows the check's answer.
"""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass, field

from tools.load.protocol import ProtocolError, RunResult, StreamlitSession

PASSWORD = "Demo2026"
LOGIN_USER = "账号（考生为注册手机号）"
LOGIN_PASSWORD = "密码"
UPLOAD = "上传身份证人像面照片"  # the 证件扫描 upload (under 无法使用摄像头？改为上传照片)
BUSY = "系统繁忙"


@dataclass
class Account:
    role: str
    username: str
    scans: bool = False  # a candidate whose 实名认证 waits at 证件扫描 (set up by the bench)


@dataclass
class Recorder:
    """Timings and errors of every simulated user of one run."""

    interactions: list[tuple[str, float]] = field(default_factory=list)  # (what, seconds)
    scans: list[float] = field(default_factory=list)
    scan_outcomes: dict[str, int] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    steady_from: float = 0.0  # monotonic time the ramp-up ends: later interactions are also kept below
    steady: list[tuple[str, float]] = field(default_factory=list)
    steady_scans: list[float] = field(default_factory=list)

    def is_steady(self, seconds: float) -> bool:
        """Did an interaction of `seconds` that just ended start after the ramp-up?"""
        return time.monotonic() - seconds >= self.steady_from

    def scanned(self, seconds: float) -> None:
        self.scans.append(seconds)
        if self.is_steady(seconds):
            self.steady_scans.append(seconds)

    def record(self, what: str, result: RunResult) -> RunResult:
        self.interactions.append((what, result.seconds))
        if self.is_steady(result.seconds):
            self.steady.append((what, result.seconds))
        for problem in result.exceptions:
            self.errors.append(f"{what}: {problem}")
        for kind, body in result.alerts:
            if kind == "error" and BUSY in body:
                self.errors.append(f"{what}: {body}")
        return result


class User:
    """One simulated user on one browser tab."""

    def __init__(
        self, url: str, account: Account, recorder: Recorder, *, think: float, deadline: float, image: bytes | None
    ) -> None:
        self.session = StreamlitSession(url)
        self.account = account
        self.recorder = recorder
        self.think = think
        self.deadline = deadline
        self.image = image
        self.rng = random.Random(account.username)

    def time_left(self) -> bool:
        return time.monotonic() < self.deadline

    async def pause(self) -> None:
        if self.think > 0:
            await asyncio.sleep(min(self.rng.expovariate(1 / self.think), self.think * 4))

    async def step(self, what: str, action) -> RunResult | None:
        if not self.time_left():
            action.close()  # the coroutine is never sent: the time is up
            return None
        result = self.recorder.record(what, await action)
        await self.pause()
        return result

    async def run(self) -> None:
        try:
            async with self.session:
                await self.step("open", self.session.open(""))
                await self.login()
                walk = {"candidate": self.candidate, "unit_admin": self.unit_admin, "reviewer": self.reviewer}
                walk = walk.get(self.account.role, self.analyst)
                if self.account.scans and self.image is not None:
                    walk = self.scanner
                while self.time_left():
                    await walk()
        except (ProtocolError, TimeoutError, OSError) as error:
            if self.time_left():
                self.recorder.errors.append(f"{self.account.role}: {type(error).__name__}: {error}")
        except Exception as error:  # noqa: BLE001 - a closed websocket and the like count as errors
            if self.time_left():
                self.recorder.errors.append(f"{self.account.role}: {type(error).__name__}: {error}")

    async def warm_up(self) -> None:
        """Log in and scan once (nothing recorded): the server loads what a first scan needs."""
        async with self.session:
            await self.session.open("")
            await self.login()
            await self.scanner()

    async def login(self) -> None:
        s = self.session
        s.set_text("text_input", LOGIN_USER, self.account.username)
        s.set_text("text_input", LOGIN_PASSWORD, PASSWORD)
        result = await self.step("login", s.click("登录"))
        if result is not None and s.has_widget("text_input", LOGIN_USER):
            raise ProtocolError(f"login of {self.account.username} failed: {result.alerts}")

    # -- walks -------------------------------------------------------------------------------------------------
    async def candidate(self) -> None:
        s = self.session
        await self.step("candidate_home", s.goto(""))
        await self.step("candidate_identity", s.goto("candidate_identity"))
        await self.step("candidate_unit", s.goto("candidate_unit"))
        if s.has_widget("text_input", "单位名称"):
            await self.step("unit_search", s.type_and_enter("单位名称", self.rng.choice(["医院", "卫生院", "whsf"])))
        await self.step("candidate_declaration", s.goto("candidate_declaration"))

    async def scanner(self) -> None:
        s = self.session
        if not s.has_widget("file_uploader", UPLOAD):
            await self.step("candidate_identity", s.goto("candidate_identity"))
            if not s.has_widget("file_uploader", UPLOAD):
                raise ProtocolError("实名认证 is not at 证件扫描 for a scanning account")
        if not self.time_left():
            return
        await self.step("scan_upload", s.upload(UPLOAD, "front.jpg", self.image))
        if not self.time_left():
            return
        result = await s.click("提交核验")
        self.recorder.scanned(result.seconds)
        for problem in result.exceptions:
            self.recorder.errors.append(f"scan: {problem}")
        outcome = "other"
        for _kind, body in result.alerts:
            if BUSY in body or "队列已满" in body:
                outcome = "refused"
                if BUSY in body:
                    self.recorder.errors.append(f"scan: {body}")
            elif body.startswith("核验未通过"):
                outcome = "not_verified"
            elif "核验通过" in body:
                outcome = "verified"
        self.recorder.scan_outcomes[outcome] = self.recorder.scan_outcomes.get(outcome, 0) + 1
        await self.pause()

    async def unit_admin(self) -> None:
        s = self.session
        await self.step("unit_home", s.goto(""))
        await self.step("unit_declarations", s.goto("unit_declarations"))
        await self.step("unit_candidates", s.goto("unit_candidates"))

    async def reviewer(self) -> None:
        s = self.session
        await self.step("reviewer_verifications", s.goto(""))
        if s.has_widget("checkbox", "只看未被领取的申请"):
            s.set_bool("只看未被领取的申请", True)
            await self.step("reviewer_filter", s.rerun())
        await self.step("reviewer_units", s.goto("reviewer_units"))
        await self.step("reviewer_unconfirmed", s.goto("reviewer_unconfirmed"))

    async def analyst(self) -> None:
        s = self.session
        await self.step("analyst_statistics", s.goto(""))
        await self.step("analyst_rerun", s.rerun())
