"""Service-account credentials: JSON Web Tokens the API server signs and accepts.

`jwt` signs and verifies compact ES256 tokens with the cluster's
service-account key (`<data-dir>/tls/service-account.key`, made on first
start). `tokens` issues the two kinds of token Kubernetes knows, bound tokens
(TokenRequest: audiences, an expiry, optionally bound to a pod or secret)
and legacy secret tokens (no expiry, valid while their Secret exists), and
authenticates either as the user `system:serviceaccount:<ns>:<name>`.
`tokencontroller` fills legacy `kubernetes.io/service-account-token` Secrets.
"""
