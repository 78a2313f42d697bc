"""A faithful local Session Studio: seeded catalogue, OAuth, limits, faults
(docs/session-studio-api.yaml).

``create_app(SimulatorConfig(...))`` returns a Starlette app serving the contract under
``/v1``; ``app.state.simulator`` is the :class:`Simulator` that tests and demos drive.
"""

from ss_tui.simulator.app import create_app
from ss_tui.simulator.catalogue import DEMO_ACCOUNT_ID, OTHER_ACCOUNT_ID, Catalogue
from ss_tui.simulator.clock import Clock, ManualClock, SystemClock
from ss_tui.simulator.config import FAULT_KINDS, FaultConfig, SimulatorConfig
from ss_tui.simulator.core import Simulator
from ss_tui.simulator.faults import FAULT_HEADER

__all__ = [
    "DEMO_ACCOUNT_ID",
    "FAULT_HEADER",
    "FAULT_KINDS",
    "OTHER_ACCOUNT_ID",
    "Catalogue",
    "Clock",
    "FaultConfig",
    "ManualClock",
    "Simulator",
    "SimulatorConfig",
    "SystemClock",
    "create_app",
]
