"""Devices: the mesh that kernel tiles and network ensembles spread over, in one process and across hosts.

A mesh here is a one-axis ``jax.sharding.Mesh`` (axis `AXIS`) over the first N local devices of every process. Work
is split along that axis (kernel tiles, networks of an ensemble); every process holds the same host inputs and gets
the same results, so the numerical routines above (block Lanczos, conjugate gradients) run unchanged on each.
``mesh=None`` everywhere means one device, the default device of this process.

Several hosts: `initialize` (``jax.distributed.initialize``) before any JAX computation, in every process, with the
same coordinator; then `mesh` spans all processes. On CPUs the processes talk over TCP (gloo collectives), which is
how the test suite runs two processes on 127.0.0.1.
"""
from __future__ import annotations

import numpy as np

from ntk_fourier.errors import InputError
from ntk_fourier.precision import float64

AXIS = "devices"


def initialize(coordinator: str, num_processes: int, process_id: int) -> None:
    """Join the processes of a multi-host run (``jax.distributed.initialize``); call before any JAX computation.

    ``coordinator``: ``HOST:PORT`` of process 0 (the same in every process); ``process_id``: 0..num_processes - 1.
    """
    host, _, port = str(coordinator).rpartition(":")
    if not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise InputError(f"--coordinator must be HOST:PORT (e.g. 10.0.0.1:12355), got {coordinator!r}")
    if int(num_processes) != num_processes or num_processes < 1:
        raise InputError(f"--num-processes must be a positive integer, got {num_processes}")
    if int(process_id) != process_id or not 0 <= process_id < num_processes:
        raise InputError(f"--process-id must be between 0 and {num_processes - 1}, got {process_id}")
    import jax
    try:
        jax.distributed.initialize(coordinator_address=coordinator, num_processes=int(num_processes),
                                   process_id=int(process_id), initialization_timeout=120)
    except RuntimeError as err:  # e.g. already initialized, or JAX computed something before
        raise InputError(f"cannot join the {num_processes} processes at {coordinator}: {str(err).splitlines()[0]}")


def mesh(devices: int | None = None):
    """A mesh over the first ``devices`` local devices of every process (default: all of them).

    Raises InputError when a process has fewer local devices than asked for (on a CPU, simulate N devices with
    ``XLA_FLAGS=--xla_force_host_platform_device_count=N`` set before the process starts).
    """
    import jax
    from jax.sharding import Mesh
    local = jax.local_devices()
    n = len(local) if devices is None else devices
    if int(n) != n or n < 1:
        raise InputError(f"--devices must be a positive integer, got {devices}")
    if n > len(local):
        hint = (f"; on a CPU, set XLA_FLAGS=--xla_force_host_platform_device_count={n} before starting to simulate "
                f"{n}" if local[0].platform == "cpu" else "")
        raise InputError(f"--devices {n}: this process has {len(local)} {local[0].platform} device(s){hint}")
    chosen = [d for p in range(jax.process_count()) for d in
              sorted((d for d in jax.devices() if d.process_index == p), key=lambda d: d.id)[:int(n)]]
    return Mesh(np.array(chosen), (AXIS,))


def size(mesh) -> int:
    """Devices in ``mesh`` (1 for None)."""
    return 1 if mesh is None else int(mesh.devices.size)


def spread(mesh) -> bool:
    """True when ``mesh`` spreads work beyond one device of one process (else the one-device code paths run)."""
    return mesh is not None and (mesh.devices.size > 1 or is_multiprocess())


def describe(mesh) -> dict:
    """What a result records of the devices it was computed on."""
    import jax
    first = mesh.devices.ravel()[0]
    return {"count": size(mesh), "processes": jax.process_count(), "platform": first.platform,
            "kind": first.device_kind}


def is_multiprocess() -> bool:
    import jax
    return jax.process_count() > 1


def is_main_process() -> bool:
    """True in process 0 (the one that writes results), and in a single-process run."""
    import jax
    return jax.process_index() == 0


def replicate(mesh, array: np.ndarray):
    """A copy of the host array on every device of ``mesh`` (every process passes the same array)."""
    import jax
    from jax.sharding import NamedSharding, PartitionSpec
    array = np.asarray(array)
    return jax.make_array_from_callback(array.shape, NamedSharding(mesh, PartitionSpec()), lambda i: array[i])


def shard(mesh, array: np.ndarray):
    """The host array split along its first axis (length a multiple of the mesh size) over the mesh's devices."""
    import jax
    from jax.sharding import NamedSharding, PartitionSpec
    array = np.asarray(array)
    if len(array) % size(mesh):
        raise ValueError(f"cannot split {len(array)} rows over {size(mesh)} devices evenly")
    return jax.make_array_from_callback(array.shape, NamedSharding(mesh, PartitionSpec(AXIS)), lambda i: array[i])


def gather(array) -> np.ndarray:
    """The whole of a (possibly sharded, possibly multi-process) JAX array as a NumPy array, in every process."""
    if array.is_fully_replicated:
        return np.asarray(array.addressable_data(0))
    if array.is_fully_addressable:
        return np.asarray(array)
    from jax.experimental import multihost_utils
    with float64():
        return np.asarray(multihost_utils.process_allgather(array, tiled=True))


def local_mesh(mesh):
    """The part of ``mesh`` on this process's devices (a mesh itself; None for None)."""
    if mesh is None:
        return None
    import jax
    from jax.sharding import Mesh
    return Mesh(np.array([d for d in mesh.devices.ravel() if d.process_index == jax.process_index()]), (AXIS,))


def from_process(array: np.ndarray | None, owner: int, template: np.ndarray) -> np.ndarray:
    """The host array that process ``owner`` holds, in every process (the others pass None; ``template``: an array
    of the same shape and dtype, e.g. zeros)."""
    import jax
    from jax.experimental import multihost_utils
    mine = array if jax.process_index() == owner else template
    with float64():  # float64 host arrays stay float64 on the way
        return np.asarray(multihost_utils.process_allgather(np.asarray(mine)))[owner]


def round_robin(count: int, parts: int) -> tuple[np.ndarray, np.ndarray]:
    """Items 0..count-1 dealt to ``parts`` devices in turn and laid out device by device, padded to equal shares:
    (order (parts * share,) with -1 for padding, valid (parts * share,) bool). Device k holds items k, k + parts, ..."""
    share = -(-count // parts)
    order = np.full((parts, share), -1)
    for k in range(parts):
        mine = np.arange(k, count, parts)
        order[k, :len(mine)] = mine
    order = order.ravel()
    return order, order >= 0


def shard_map(fn, mesh, in_specs, out_specs):
    """``jax.shard_map`` (``jax.experimental.shard_map`` on JAX < 0.6), jit-compiled, without JAX's replication
    checks (the programs here reduce with an explicit ``psum`` and loop over per-device tiles)."""
    import jax
    mapper = getattr(jax, "shard_map", None)
    if mapper is not None:
        return jax.jit(mapper(fn, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_vma=False))
    from jax.experimental.shard_map import shard_map as mapper  # JAX 0.5, the reference environment
    return jax.jit(mapper(fn, mesh=mesh, in_specs=in_specs, out_specs=out_specs, check_rep=False))
