DROP TABLE pathway_versions;
