"""Cluster DNS: Kubernetes' DNS-based service discovery, with dnslib.

- `records.py`: `ClusterRecords` answers a query from the Service and
  EndpointSlice caches, as the Kubernetes DNS specification says (A, AAAA,
  SRV, PTR, CNAME for ExternalName, pod A records; NXDOMAIN otherwise);
- `server.py`: `DNSServer`, the UDP and TCP listeners on asyncio, which
  forwards names outside the cluster to upstream servers when it has any
  (REFUSED when it has none);
- `clusterdns.py`: `ClusterDNS`, the agent's component: the node-local
  address 10.43.0.10 on the loopback interface, the `kube-dns` Service's
  endpoints pointing at it, and the server listening there.
"""
