-- database: (default)
CREATE DATABASE IF NOT EXISTS `steward_wh` DEFAULT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;

-- database: (default)
CREATE TABLE IF NOT EXISTS `steward_wh`.`profile` (principal VARCHAR(128) NOT NULL, kind VARCHAR(16) NOT NULL, name VARCHAR(128) NOT NULL, value VARCHAR(255) NOT NULL, PRIMARY KEY (principal, kind, name, value)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- database: (default)
CREATE TABLE IF NOT EXISTS `steward_wh`.`salt` (name VARCHAR(255) NOT NULL PRIMARY KEY, value VARCHAR(1024) NOT NULL) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- database: (default)
CREATE TABLE IF NOT EXISTS `steward_wh`.`views` (db_name VARCHAR(64) NOT NULL, view_name VARCHAR(64) NOT NULL, desired CHAR(64) NOT NULL, rendered CHAR(64), PRIMARY KEY (db_name, view_name)) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- database: (default)
CREATE OR REPLACE ALGORITHM = MERGE DEFINER = 'steward_wh__views' SQL SECURITY DEFINER VIEW `steward_wh`.`user_profile` AS SELECT p.kind, p.name, p.value FROM `steward_wh`.`profile` AS p WHERE p.principal = LEFT(SESSION_USER(), CHAR_LENGTH(SESSION_USER()) - CHAR_LENGTH(SUBSTRING_INDEX(SESSION_USER(), '@', -1)) - 1);

-- database: (default)
GRANT SELECT ON `steward_wh`.`profile` TO 'steward_wh__views';

-- database: (default)
GRANT SELECT ON `steward_wh`.`salt` TO 'steward_wh__views';

-- database: (default)
GRANT SELECT ON `steward_wh`.`user_profile` TO 'steward_wh__views';

-- database: (default)
CREATE DATABASE IF NOT EXISTS `shop_secure`;

-- database: (default); params: ["hide-pii","s3cret"]
INSERT INTO `steward_wh`.`salt` (name, value) VALUES (?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value);

-- database: (default); params: ["o'brien","attribute","region","eu\\west"]
DELETE FROM `steward_wh`.`profile` WHERE (principal, kind, name, value) IN ((?, ?, ?, ?));

-- database: (default); params: ["alice","user","","","o'brien","attribute","region","eu\\west"]
INSERT INTO `steward_wh`.`profile` (principal, kind, name, value) VALUES (?, ?, ?, ?), (?, ?, ?, ?) ON DUPLICATE KEY UPDATE value = VALUES(value);

-- database: (default)
CREATE OR REPLACE ALGORITHM = TEMPTABLE DEFINER = 'steward_wh__views' SQL SECURITY DEFINER VIEW `shop_secure`.`customers` AS
SELECT
  t.`id` AS `id`,
  CASE WHEN EXISTS (SELECT 1 FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'exempt' AND p.`value` = 'hide-pii') THEN t.`email` ELSE SHA2(CONVERT(CONCAT((SELECT s.`value` FROM `steward_wh`.`salt` AS s WHERE s.`name` = 'hide-pii'), t.`email`) USING utf8mb4), 256) END AS `email`,
  SHA2(CONVERT(t.`ssn` USING utf8mb4), 256) AS `ssn`,
  REGEXP_REPLACE(CONVERT(t.`name` USING utf8mb4) COLLATE utf8mb4_bin, '([A-Z])''\\w+', '\\1.$') AS `name`,
  ROUND(t.`amount` / 100) * 100 AS `amount`,
  ROUND(t.`price` / 0.5) * 0.5 AS `price`,
  CAST(DATE_FORMAT(t.`born`, '%Y-01-01 00:00:00') AS DATE) AS `born`,
  CAST(DATE_FORMAT(t.`seen`, '%Y-%m-%d %H:00:00') AS DATETIME) AS `seen`,
  CASE WHEN CHAR_LENGTH(t.`phone`) > 5 THEN CONCAT(LEFT(t.`phone`, 1), REPEAT('*', CHAR_LENGTH(t.`phone`) - 5), RIGHT(t.`phone`, 4)) ELSE REPEAT('*', CHAR_LENGTH(t.`phone`)) END AS `phone`,
  CASE WHEN FALSE THEN t.`notes` END AS `notes`,
  CASE WHEN ((NOT (CASE WHEN EXISTS (SELECT 1 FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'attribute' AND p.`name` = 'region') THEN CONVERT(t.`region` USING utf8mb4) COLLATE utf8mb4_bin IN (SELECT p.`value` FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'attribute' AND p.`name` = 'region') END)) IS FALSE) THEN t.`region` ELSE 'it''s $$ */' END AS `region`,
  CASE WHEN FALSE THEN t.`Wé"ird``` ELSE (-1) END AS `Wé"ird```
FROM `shop`.`customers` AS t
WHERE (EXISTS (SELECT 1 FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'user') AND (EXISTS (SELECT 1 FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'exempt' AND p.`value` = 'own-region') OR ((CASE WHEN EXISTS (SELECT 1 FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'attribute' AND p.`name` = 'region') THEN CONVERT(t.`region` USING utf8mb4) COLLATE utf8mb4_bin IN (SELECT p.`value` FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'attribute' AND p.`name` = 'region') END) AND (CASE WHEN EXISTS (SELECT 1 FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'group') THEN CONVERT(t.`amount` USING utf8mb4) COLLATE utf8mb4_bin NOT IN (SELECT p.`value` FROM `steward_wh`.`user_profile` AS p WHERE p.`kind` = 'group') END) AND (t.`amount` <> (-5)) AND (CONVERT(t.`name` USING utf8mb4) COLLATE utf8mb4_bin >= 'M') AND (CONVERT(t.`name` USING utf8mb4) COLLATE utf8mb4_bin NOT IN ('a', 'b''c')) AND (t.`notes` IS NOT NULL) AND (NOT (t.`born` IS NULL)))));

-- database: (default)
GRANT SELECT ON `shop_secure`.`customers` TO 'steward_wh__read_r', 'steward_wh__x_r';

-- database: (default); params: ["shop_secure","customers","fff35d46b763f424a872cd671f2e70050d16728407ffe92c19da7b71e0985c33","shop_secure","customers"]
INSERT INTO `steward_wh`.`views` (db_name, view_name, desired, rendered) SELECT ?, ?, ?, (SELECT SHA2(CONCAT_WS('\n', v.VIEW_DEFINITION, v.DEFINER, v.SECURITY_TYPE, v.ALGORITHM), 256) FROM information_schema.VIEWS AS v WHERE v.TABLE_SCHEMA = ? AND v.TABLE_NAME = ?) ON DUPLICATE KEY UPDATE desired = VALUES(desired), rendered = VALUES(rendered);

-- database: (default)
DROP VIEW IF EXISTS `shop_secure`.`customers`;

-- database: (default); params: ["shop_secure","customers"]
DELETE FROM `steward_wh`.`views` WHERE db_name = ? AND view_name = ?;

-- database: (default); params: ["old"]
DELETE FROM `steward_wh`.`salt` WHERE name IN (?);
