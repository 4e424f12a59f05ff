"""Run by test_ray_local.py in its own process: start the local instance `agent eval --ray` uses,
then knock on its GCS as someone on the network would, without the token and with it."""

from __future__ import annotations

import json
import os
from pathlib import Path

import grpc
from ray.core.generated import gcs_service_pb2, gcs_service_pb2_grpc

from anyres_agent.agent.eval.ray_runner import connect


def knock(address: str, metadata: tuple[tuple[str, str], ...]) -> str:
    """One GCS call (list the nodes); "ok" or the gRPC status it was refused with."""
    with grpc.insecure_channel(address) as channel:
        stub = gcs_service_pb2_grpc.NodeInfoGcsServiceStub(channel)
        try:
            stub.GetAllNodeInfo(gcs_service_pb2.GetAllNodeInfoRequest(), metadata=metadata, timeout=10)
        except grpc.RpcError as error:
            return str(error.code().name)
    return "ok"


def worker_pid() -> int:
    return os.getpid()


def main() -> None:
    ray = connect(None, 2)
    try:
        gcs = ray.get_runtime_context().gcs_address
        port = gcs.rsplit(":", 1)[1]
        token_file = Path.home() / ".ray" / "auth_token"
        token = token_file.read_text().strip() if token_file.exists() else ""
        bearer = (("authorization", f"Bearer {token}"),)
        print(json.dumps({
            "gcs": gcs,
            "mode": os.environ.get("RAY_AUTH_MODE"),
            "anonymous": {host: knock(f"{host}:{port}", ()) for host in ("127.0.0.1", gcs.rsplit(":", 1)[0])},
            "wrong_token": knock(gcs, (("authorization", "Bearer not-the-token"),)),
            "with_token": knock(gcs, bearer),
            "task_ran_elsewhere": ray.get(ray.remote(worker_pid).remote(), timeout=60) != os.getpid(),
        }))  # fmt: skip
    finally:
        ray.shutdown()


if __name__ == "__main__":
    main()
