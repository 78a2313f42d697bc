"""CLI commands: ``ss-tui simulator serve``."""

from __future__ import annotations

import click

from ss_tui.simulator.config import SimulatorConfig

# Every default comes from the simulator's own configuration, so the two cannot drift.
_DEFAULTS = SimulatorConfig()


@click.group("simulator")
def simulator_group() -> None:
    """Run the local Session Studio simulator."""


@simulator_group.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8765, show_default=True, type=int)
@click.option("--seed", default=_DEFAULTS.seed, show_default=True, type=int)
@click.option(
    "--projects",
    default=_DEFAULTS.projects,
    show_default=True,
    type=int,
    help="Projects in the Demo Label account.",
)
@click.option(
    "--shared-projects",
    default=_DEFAULTS.shared_projects,
    show_default=True,
    type=int,
    help="Projects of a second account the Demo Label is a member of (collaborations).",
)
@click.option(
    "--bad-data-share",
    default=_DEFAULTS.bad_data_share,
    show_default=True,
    type=float,
    help="Share of projects carrying one realistic defect.",
)
@click.option("--latency-ms", default=_DEFAULTS.latency_ms, show_default=True, type=int)
@click.option(
    "--rate-limit",
    default=_DEFAULTS.rate_limit,
    show_default=True,
    type=int,
    help="Requests per window, per token.",
)
@click.option(
    "--rate-window",
    default=_DEFAULTS.rate_window_s,
    show_default=True,
    type=float,
    help="Rate-limit window in seconds.",
)
@click.option("--faults", default="", help="e.g. error_share=0.05,timeout_share=0.01,hang_s=20")
@click.option(
    "--access-token-ttl", default=_DEFAULTS.access_token_ttl, show_default=True, type=int
)
@click.option("--client-id", default=_DEFAULTS.client_id, show_default=True)
@click.option(
    "--client-secret",
    default=_DEFAULTS.client_secret,
    help="Require this secret (confidential client).",
)
@click.option(
    "--device-approval",
    type=click.Choice(["auto", "manual"]),
    default="auto" if _DEFAULTS.auto_approve_device else "manual",
    show_default=True,
    help="manual: approve device codes on the verification page.",
)
@click.option(
    "--webhook-url", default=_DEFAULTS.webhook_url, help="POST signed webhook deliveries here."
)
@click.option("--webhook-secret", default=_DEFAULTS.webhook_secret, show_default=True)
def serve(
    host: str,
    port: int,
    seed: int,
    projects: int,
    shared_projects: int,
    bad_data_share: float,
    latency_ms: int,
    rate_limit: int,
    rate_window: float,
    faults: str,
    access_token_ttl: int,
    client_id: str,
    client_secret: str | None,
    device_approval: str,
    webhook_url: str | None,
    webhook_secret: str,
) -> None:
    """Serve the Session Studio API contract on HOST:PORT under /v1."""
    import socket

    import uvicorn

    from ss_tui.simulator import FaultConfig, create_app
    from ss_tui.simulator.server import quiet_simulated_faults

    try:
        fault_config = FaultConfig.parse(faults)
    except (TypeError, ValueError) as exc:
        raise click.BadParameter(str(exc), param_hint="--faults") from exc
    config = _DEFAULTS.with_changes(
        seed=seed,
        projects=projects,
        shared_projects=shared_projects,
        bad_data_share=bad_data_share,
        latency_ms=latency_ms,
        rate_limit=rate_limit,
        rate_window_s=rate_window,
        access_token_ttl=access_token_ttl,
        client_id=client_id,
        client_secret=client_secret,
        auto_approve_device=device_approval == "auto",
        webhook_url=webhook_url,
        webhook_secret=webhook_secret,
        faults=fault_config,
    )
    app = create_app(config)
    sim = app.state.simulator
    sock = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))  # bound here so --port 0 can print the real port
        sock.listen(128)  # connections made before uvicorn starts wait in the backlog
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc}") from exc
    port = sock.getsockname()[1]
    base = f"http://{host}:{port}/v1"
    click.echo(
        f"Session Studio simulator: {len(sim.catalogue.projects)} projects, "
        f"{len(sim.catalogue.tracks)} tracks (seed {seed})"
    )
    click.echo(f"  base URL        {base}")
    click.echo(f"  client id       {client_id}" + ("  (secret required)" if client_secret else ""))
    # The simulator's own demo token: printing it is the point of this command.
    click.echo(f"  personal token  {sim.personal_token()}")
    click.echo(f"  device page     {base}/oauth/device")
    click.echo(f"  admin           http://{host}:{port}/_sim/state (loopback only)")
    click.echo(f"  webhooks        {webhook_url or '(none; --webhook-url to enable)'}")
    click.echo(
        f"  try: SESSION_STUDIO_API_BASE_URL={base} SESSION_STUDIO_CLIENT_ID={client_id} ss-tui …"
    )
    quiet_simulated_faults()
    server = uvicorn.Server(
        uvicorn.Config(app, log_level="warning", timeout_graceful_shutdown=2, access_log=False)
    )
    server.run(sockets=[sock])


def register(root: click.Group) -> None:
    """Add this module's commands to the root group."""
    root.add_command(simulator_group)
