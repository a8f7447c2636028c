"""The scheduler: assigns each pending pod a node, as kube-scheduler does.

Modules, in the order a pod meets them:

- `queue`: the scheduling queue (activeQ by priority, back-off, parked
  unschedulable pods moved back on cluster changes);
- `cache`, `nodeinfo`: nodes with the pods assigned (and assumed) to them;
- `framework`: extension points, `Status`, `Profile`, the `FitError` message;
- `runtime`: a profile's plugins run over the nodes (filter, sample, score);
- `plugins/`: one plugin per module, enabled by name (`plugins.REGISTRY`);
- `matching`: node selector, node affinity and toleration rules;
- `scheduler`: the loop, binding, failure reporting, and `run_scheduler`,
  the control-plane component (with leader election on a Lease).
"""

from pyk8s.scheduler.framework import Profile
from pyk8s.scheduler.scheduler import Scheduler, run_scheduler

__all__ = ["Profile", "Scheduler", "run_scheduler"]
