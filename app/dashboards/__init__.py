"""Response-time dashboards for heads and admins, and the public transparency page.

``figures`` and ``breakdowns`` compute every number (aggregate SQL); ``views`` (staff, at
/staff/dashboard) and ``transparency`` (public, at /transparencia) only render them."""
