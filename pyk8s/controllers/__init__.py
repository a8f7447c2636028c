"""The controllers of kube-controller-manager: reconcile loops over shared informers.

Each module holds one controller, mostly a `sync(key)` (see `context.py` for
the shape they share and `manager.py` for how they are run):

- `replicaset.py`, `replication.py`: keep N pods of a template alive;
- `deployment.py` (with `deployment_util.py`): roll ReplicaSets out and back;
- `daemonset.py`: a pod per node; `statefulset.py`: ordered, named pods with
  their own claims;
- `job.py`: pods run to completion; `cronjob.py` (with `cron.py`): Jobs on a
  schedule; `ttlafterfinished.py`: finished Jobs removed after their TTL;
- `garbagecollector.py`: delete objects whose owners are gone, in the
  background, foreground or orphaning way the owner was deleted;
- `namespace.py`: empty a namespace being deleted, then let it go;
- `disruption.py`: how many pods each PodDisruptionBudget allows to be evicted;
- `resourcequota.py`: what each ResourceQuota has used;
- `endpoints.py`, `endpointslice.py`: the addresses behind each Service;
  `endpointslicemirroring.py`: slices for Endpoints written by hand;
- `serviceaccount.py`: a `default` ServiceAccount in every namespace, and
  `rootcacertpublisher.py`: the `kube-root-ca.crt` ConfigMap in each;
- `nodeipam.py`: a pod CIDR per node; `nodelifecycle.py`: heartbeats, taints
  and eviction; `podgc.py`: pods of deleted nodes and old finished pods.

Shared pieces: `controller_ref.py` (ownership, adoption), `expectations.py`,
`pods.py` (readiness, deletion order), `conditions.py` (times, conditions),
`discovery.py` (every resource the API serves).
"""
