DROP TABLE programme_trainees;
DROP TABLE training_programmes;
