"""The client library every pyk8s component uses to talk to the API server.

Small and Pythonic, in the spirit of client-go, over aiohttp and orjson;
objects are plain dicts:

- `ClientConfig` (config.py): server, CA and credentials from a kubeconfig;
- `APIClient` (rest.py): get/list/create/update/patch/delete/watch;
- `Resource`, `register` (resources.py): which URL a resource lives at;
- `Informer`, `SharedInformerFactory`, `Store` (informer.py): list+watch caches;
- `WorkQueue`, `run_workers` (workqueue.py): rate-limited de-duplicating queue;
- `LeaderElector` (leaderelection.py): leader election on a Lease;
- `EventRecorder` (events.py): core/v1 Events, aggregated.
"""

from pyk8s.client.config import ClientConfig, ConfigError
from pyk8s.client.events import NORMAL, WARNING, EventRecorder
from pyk8s.client.informer import (
    Informer,
    SharedInformerFactory,
    Store,
    by_node_name,
    by_owner_uid,
    object_key,
    split_key,
)
from pyk8s.client.leaderelection import LeaderElector, LeadershipLost, micro_time
from pyk8s.client.resources import BUILTIN, Resource, UnknownResourceError, lookup, register
from pyk8s.client.rest import (
    APIClient,
    APIStatusError,
    RequestError,
    TransportError,
    WatchEvent,
    is_already_exists,
    is_conflict,
    is_gone,
    is_not_found,
)
from pyk8s.client.workqueue import RateLimiter, ShutDown, WorkQueue, run_workers

__all__ = [
    "BUILTIN",
    "NORMAL",
    "WARNING",
    "APIClient",
    "APIStatusError",
    "ClientConfig",
    "ConfigError",
    "EventRecorder",
    "Informer",
    "LeaderElector",
    "LeadershipLost",
    "RateLimiter",
    "RequestError",
    "Resource",
    "SharedInformerFactory",
    "ShutDown",
    "Store",
    "TransportError",
    "UnknownResourceError",
    "WatchEvent",
    "WorkQueue",
    "by_node_name",
    "by_owner_uid",
    "is_already_exists",
    "is_conflict",
    "is_gone",
    "is_not_found",
    "lookup",
    "micro_time",
    "object_key",
    "register",
    "run_workers",
    "split_key",
]
