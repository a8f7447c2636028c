"""The kubelet's pure parts: status rules, back-off, env expansion, log records, SPDY, CNI."""

from __future__ import annotations

import json
import zlib

import pytest

from pyk8s.kubelet import cni, spdy
from pyk8s.kubelet import status as st
from pyk8s.kubelet.downward import field_value, quantity, resource_value
from pyk8s.kubelet.envvars import expand
from pyk8s.kubelet.images import default_policy, registry_host
from pyk8s.kubelet.logs import LogReader
from pyk8s.kubelet.node import parse_labels, parse_taints
from pyk8s.kubelet.podworker import dns_config, go_duration, linux_resources, restart_delay


def _pod(**spec: object) -> dict:  # type: ignore[type-arg]
    return {"metadata": {"name": "p", "namespace": "ns", "uid": "u", "labels": {"b": "2",
                                                                               "a": "1"}},
            "spec": {"containers": [{"name": "c"}], **spec}}


def test_restart_back_off_doubles_from_10s_to_5_minutes() -> None:
    assert [restart_delay(n) for n in range(7)] == [0, 10, 20, 40, 80, 160, 300]
    assert restart_delay(20) == 300
    assert [go_duration(s) for s in (10, 80, 300)] == ["10s", "1m20s", "5m0s"]


@pytest.mark.parametrize(("resources", "qos"), [
    ({}, "BestEffort"),
    ({"requests": {"cpu": "100m"}}, "Burstable"),
    ({"limits": {"cpu": "1", "memory": "1Gi"}}, "Guaranteed"),
    ({"requests": {"cpu": "500m", "memory": "1Gi"}, "limits": {"cpu": "1", "memory": "1Gi"}},
     "Burstable"),
])
def test_qos_class(resources: dict, qos: str) -> None:  # type: ignore[type-arg]
    pod = _pod(containers=[{"name": "c", "resources": resources}])
    assert st.qos_class(pod) == qos


def test_phase_follows_the_restart_policy() -> None:
    def term(code: int) -> dict:  # type: ignore[type-arg]
        return {"state": {"terminated": {"exitCode": code}}}

    running = {"state": {"running": {}}}
    assert st.phase(_pod(), [], [running], True) == "Running"
    assert st.phase(_pod(restartPolicy="Never"), [], [term(0)], True) == "Succeeded"
    assert st.phase(_pod(restartPolicy="Never"), [], [term(1)], True) == "Failed"
    assert st.phase(_pod(restartPolicy="OnFailure"), [], [term(1)], True) == "Running"
    assert st.phase(_pod(restartPolicy="Never"), [term(2)], [{"state": {"waiting": {}}}],
                    True) == "Failed"
    assert st.phase(_pod(), [{"state": {"running": {}}}], [{"state": {"waiting": {}}}],
                    True) == "Pending"


def test_env_expansion() -> None:
    env = {"A": "x", "B": "y"}
    assert expand("$(A)-$(B)", env) == "x-y"
    assert expand("$$(A) $(MISSING)", env) == "$(A) $(MISSING)"


def test_downward_fields_and_resources() -> None:
    pod = _pod()
    assert field_value(pod, "metadata.labels", pod_ip="", host_ip="") == 'a="1"\nb="2"'
    assert field_value(pod, "metadata.labels['b']", pod_ip="", host_ip="") == "2"
    assert field_value(pod, "status.podIP", pod_ip="10.0.0.1", host_ip="") == "10.0.0.1"
    container = {"resources": {"limits": {"memory": "64Mi", "cpu": "250m"}}}
    assert resource_value(container, {"resource": "limits.memory", "divisor": "1Mi"}) == "64"
    assert resource_value(container, {"resource": "limits.cpu", "divisor": "1m"}) == "250"
    assert resource_value(container, {"resource": "limits.cpu"}) == "1"  # rounded up
    assert quantity("1.5Gi") == 1.5 * 2**30


def test_cgroup_resources_from_requests_and_limits() -> None:
    res = linux_resources({"resources": {"requests": {"cpu": "250m"},
                                         "limits": {"cpu": "500m", "memory": "128Mi"}}})
    assert res.cpu_shares == 256 and res.cpu_quota == 50000 and res.cpu_period == 100000
    assert res.memory_limit_in_bytes == 128 * 2**20
    assert linux_resources({}).cpu_shares == 2


def test_dns_config_by_policy() -> None:
    first = dns_config(_pod())
    assert list(first.servers) == ["10.43.0.10"] and list(first.options) == ["ndots:5"]
    assert list(first.searches) == ["ns.svc.cluster.local", "svc.cluster.local",
                                    "cluster.local"]
    none = dns_config(_pod(dnsPolicy="None", dnsConfig={"nameservers": ["1.2.3.4"]}))
    assert list(none.servers) == ["1.2.3.4"] and not list(none.searches)


def test_image_pull_policy_defaults_and_registry_hosts() -> None:
    assert default_policy("busybox") == "Always"
    assert default_policy("busybox:latest") == "Always"
    assert default_policy("busybox:1.35") == "IfNotPresent"
    assert default_policy("127.0.0.1:5000/app@sha256:abc") == "IfNotPresent"
    assert registry_host("busybox") == "docker.io"
    assert registry_host("127.0.0.1:5000/app:1") == "127.0.0.1:5000"
    assert registry_host("library/app:1") == "docker.io"


def test_cri_log_records_become_lines() -> None:
    reader = LogReader(timestamps=False, since=None)
    lines = reader.feed(b"2026-01-01T00:00:00.1Z stdout P hel")
    lines += reader.feed(b"\n2026-01-01T00:00:00.2Z stdout F lo\n2026-01-01T00:00:01Z stderr F"
                         b" oops\n")
    assert lines == [b"hello\n", b"oops\n"]
    stamped = LogReader(timestamps=True, since=1767225600.5)
    assert stamped.feed(b"2026-01-01T00:00:00.1Z stdout F old\n"
                        b"2026-01-01T00:00:01.0Z stdout F new\n") == [
        b"2026-01-01T00:00:01.0Z new\n"]


def test_spdy_dictionary_and_header_blocks_round_trip() -> None:
    assert len(spdy.DICTIONARY) == 1423  # the SPDY/3 specification's size
    headers = {"streamtype": "data", "port": "8080", "requestid": "0"}
    deflate = zlib.compressobj(zdict=spdy.DICTIONARY)
    block = deflate.compress(spdy.encode_headers(headers)) + deflate.flush(zlib.Z_SYNC_FLUSH)
    inflate = zlib.decompressobj(zdict=spdy.DICTIONARY)
    assert spdy.decode_headers(inflate.decompress(block)) == headers
    frame = spdy.data_frame(5, spdy.FLAG_FIN, b"abc")
    assert frame == b"\x00\x00\x00\x05\x01\x00\x00\x03abc"


def test_cni_config_for_the_pod_cidr(tmp_path: object) -> None:
    from pathlib import Path

    conf_dir = Path(str(tmp_path))
    assert cni.write_config(conf_dir, "10.42.3.0/24", conf_dir / "ipam")
    assert not cni.write_config(conf_dir, "10.42.3.0/24", conf_dir / "ipam")
    conf = json.loads((conf_dir / cni.CONF_NAME).read_text())
    bridge, portmap = conf["plugins"]
    assert bridge["ipam"]["ranges"] == [[{"subnet": "10.42.3.0/24", "gateway": "10.42.3.1"}]]
    assert portmap["type"] == "portmap" and portmap["capabilities"] == {"portMappings": True}


def test_node_labels_and_taints_flags() -> None:
    assert parse_labels("a=1, b=") == {"a": "1", "b": ""}
    assert parse_taints("dedicated=gpu:NoSchedule,spot:PreferNoSchedule") == [
        {"key": "dedicated", "value": "gpu", "effect": "NoSchedule"},
        {"key": "spot", "effect": "PreferNoSchedule"}]
    with pytest.raises(ValueError, match="invalid taint"):
        parse_taints("nokey")


def test_image_archives_are_deterministic_oci_layouts() -> None:
    import io
    import tarfile

    from pyk8s.kubelet import imagebuild

    layer = imagebuild._tar_layer({"bin": None, "bin/app": b"#!/bin/sh\n"})
    first = imagebuild.oci_archive(("docker.io/library/app:1",), layer, {"Cmd": ["app"]})
    again = imagebuild.oci_archive(("docker.io/library/app:1",), layer, {"Cmd": ["app"]})
    assert first == again
    with tarfile.open(fileobj=io.BytesIO(first)) as tar:
        index = json.loads(tar.extractfile("index.json").read())  # type: ignore[union-attr]
        names = tar.getnames()
    [manifest] = index["manifests"]
    assert manifest["annotations"]["io.containerd.image.name"] == "docker.io/library/app:1"
    assert "oci-layout" in names and f"blobs/sha256/{manifest['digest'][7:]}" in names
