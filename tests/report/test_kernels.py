"""The report's kernel manager: IPC sockets in a private folder that goes with the kernel, started or not."""

from __future__ import annotations

import asyncio
import os

import pytest
from jupyter_client.kernelspec import NoSuchKernel

from framing.report.kernels import IpcKernelManager


def test_a_kernel_that_cannot_start_leaves_no_socket_folder():
    km = IpcKernelManager(kernel_name="no-such-kernel")
    folder = os.path.dirname(km.ip)
    assert os.path.isdir(folder)
    with pytest.raises(NoSuchKernel):
        asyncio.run(km.start_kernel())
    assert not os.path.exists(folder)
