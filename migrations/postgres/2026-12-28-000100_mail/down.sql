DROP TABLE mail_unsubscribes;
DROP TABLE mail_attempts;
DROP TABLE mail_messages;
