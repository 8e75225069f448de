"""The 民情地图 service: settings, stores, models, closed-loop workflow, routers."""
