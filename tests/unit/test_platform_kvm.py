"""The KVM platform refuses unusable devices with a one-line reason, and passes its
self-test on this host when /dev/kvm works."""

from __future__ import annotations

import os

import pytest

from pykerla.platform.base import PlatformError
from pykerla.platform.kvm import KvmPlatform


def test_missing_device_gives_one_line_reason(tmp_path):
    with pytest.raises(PlatformError) as info:
        KvmPlatform(64 << 20, device=str(tmp_path / "kvm"))
    assert "KVM is not available" in str(info.value) and "\n" not in str(info.value)


def test_not_a_kvm_device(tmp_path):
    with pytest.raises(PlatformError) as info:
        KvmPlatform(64 << 20, device="/dev/null")
    assert "not a KVM device" in str(info.value)


def test_memory_size_must_be_2m_multiple():
    with pytest.raises(PlatformError):
        KvmPlatform((64 << 20) + 4096)


@pytest.mark.skipif(not os.access("/dev/kvm", os.R_OK | os.W_OK), reason="no usable /dev/kvm on this host")
def test_self_test_passes_and_reserves_its_frames():
    platform = KvmPlatform(64 << 20)
    before = platform.first_free_frame
    platform.new_vcpu()
    assert platform.first_free_frame > before
    assert "kvm" in platform.describe()
