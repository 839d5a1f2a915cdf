DROP TABLE society_profiles;
