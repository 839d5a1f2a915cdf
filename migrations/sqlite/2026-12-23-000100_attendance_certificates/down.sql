DROP TABLE attendance_certificates;
