DROP TABLE requirement_overrides;
