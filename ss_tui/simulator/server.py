"""Run the simulator under uvicorn: in the foreground (CLI) or in a background thread."""

from __future__ import annotations

import contextlib
import logging
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, Literal

import uvicorn
from starlette.applications import Starlette

from ss_tui.simulator.app import API_PREFIX, create_app
from ss_tui.simulator.clock import Clock
from ss_tui.simulator.config import SimulatorConfig
from ss_tui.simulator.core import Simulator
from ss_tui.simulator.http import SimulatedConnectionReset


class _DropSimulatedResets(logging.Filter):
    """Injected connection resets are intended; keep their tracebacks out of the logs."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        while exc is not None:
            if isinstance(exc, SimulatedConnectionReset):
                return False
            exc = exc.__cause__ or exc.__context__
        return True


def quiet_simulated_faults() -> None:
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _DropSimulatedResets) for f in logger.filters):
        logger.addFilter(_DropSimulatedResets())


@dataclass(frozen=True)
class LiveSimulator:
    host: str
    port: int
    app: Starlette
    simulator: Simulator

    @property
    def root_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def base_url(self) -> str:
        return f"{self.root_url}{API_PREFIX}"


@contextlib.contextmanager
def serve_in_thread(
    app: Any,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    lifespan: Literal["auto", "on", "off"] = "on",
    name: str = "ss-tui-server",
    on_stop: Callable[[], None] | None = None,
) -> Iterator[int]:
    """Serve any ASGI app on a real socket from a background thread; yields the bound port.

    The socket is bound here (port 0 = a free one), so there is no probe-then-bind race.
    """
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            lifespan=lifespan,
            timeout_graceful_shutdown=2,
            access_log=False,
        )
    )
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name=name,
                              daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:  # readiness handshake, not a timing assumption
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.01)
    try:
        yield sock.getsockname()[1]
    finally:
        if on_stop is not None:
            on_stop()
        server.should_exit = True
        thread.join(15)
        sock.close()


@contextlib.contextmanager
def start_live_simulator(
    config: SimulatorConfig | None = None,
    *,
    host: str = "127.0.0.1",
    port: int = 0,
    clock: Clock | None = None,
    app: Starlette | None = None,
) -> Iterator[LiveSimulator]:
    """Serve the simulator on a real loopback socket from a background thread."""
    app = app or create_app(config, clock=clock)
    quiet_simulated_faults()
    simulator = app.state.simulator
    with serve_in_thread(app, host=host, port=port, name="ss-tui-simulator",
                         on_stop=simulator.closing.set) as bound:
        yield LiveSimulator(host, bound, app, simulator)
