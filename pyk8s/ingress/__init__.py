"""The Ingress controller: Ingresses served by an nginx it runs.

- `ingressclass.py`: which Ingresses are ours (controller `pyk8s.io/ingress-nginx`);
- `nginxconf.py`: Ingresses, Services, EndpointSlices and Secrets -> nginx.conf;
- `nginx.py`: the nginx master process (start, `nginx -t`, SIGHUP, stop);
- `controller.py`: the control loop (informers -> config -> nginx, Ingress status);
- `cli.py`: `pyk8s server --ingress` and its flags.
"""
