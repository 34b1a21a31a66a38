"""What operators see: structured logs with request and job IDs, and Prometheus metrics."""
