"""docs/session-studio-api.yaml agrees with the wire models and with the simulator's routes."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from starlette.routing import Mount, Route

from ss_tui.sessionstudio import models
from ss_tui.simulator import SimulatorConfig, create_app

SPEC = yaml.safe_load(
    (Path(__file__).resolve().parents[2] / "docs" / "session-studio-api.yaml").read_text()
)
SCHEMAS = SPEC["components"]["schemas"]
MODEL_SCHEMAS = sorted(name for name, schema in SCHEMAS.items() if "x-model" in schema)


def _wire_fields(model: type) -> tuple[set[str], set[str]]:
    names, required = set(), set()
    for name, info in model.model_fields.items():
        wire = info.alias or name
        names.add(wire)
        if info.is_required():
            required.add(wire)
    return names, required


def test_every_wire_model_is_documented() -> None:
    documented = {SCHEMAS[name]["x-model"] for name in MODEL_SCHEMAS}
    wire_models = {
        name
        for name, obj in vars(models).items()
        if isinstance(obj, type)
        and issubclass(obj, models.BaseModel)
        and obj not in (models.BaseModel, models.WireModel)
    }
    assert wire_models == documented


@pytest.mark.parametrize("schema_name", MODEL_SCHEMAS)
def test_schema_fields_and_required_match_the_model(schema_name: str) -> None:
    schema = SCHEMAS[schema_name]
    model = getattr(models, schema["x-model"])
    names, required = _wire_fields(model)
    assert set(schema["properties"]) == names
    assert set(schema.get("required", [])) == required


@pytest.mark.parametrize(
    ("schema_name", "enum"),
    [
        ("ProjectType", models.ProjectType),
        ("ProjectStatus", models.ProjectStatus),
        ("StemType", models.StemType),
    ],
)
def test_enums_match(schema_name: str, enum: type) -> None:
    assert SCHEMAS[schema_name]["enum"] == [member.value for member in enum]


def test_webhook_event_types_and_scopes_match() -> None:
    event = SCHEMAS["WebhookEvent"]["properties"]["type"]["enum"]
    assert tuple(event) == models.WEBHOOK_EVENT_TYPES
    flows = SPEC["components"]["securitySchemes"]["oauth"]["flows"]
    for flow in flows.values():
        assert tuple(flow["scopes"]) == models.SCOPES


def test_every_simulator_route_is_documented_and_vice_versa() -> None:
    app = create_app(SimulatorConfig(projects=1))
    served: set[tuple[str, str]] = set()
    for mount in app.routes:
        if isinstance(mount, Mount) and mount.path == "/v1":
            for route in mount.routes:
                assert isinstance(route, Route)
                path = route.path.replace("{project_id}", "{projectId}").replace(
                    "{track_id}", "{trackId}"
                )
                served |= {(path, m.lower()) for m in route.methods or () if m != "HEAD"}
    documented = {
        (path, method)
        for path, ops in SPEC["paths"].items()
        for method in ops
        if method in ("get", "post", "put", "delete", "patch")
    }
    assert served == documented
