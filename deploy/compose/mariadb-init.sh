# Run by MariaDB's image on its first start (/docker-entrypoint-initdb.d): a database for
# AiWorker and one for Gitea, each with its own user holding all privileges on it alone.
mariadb --protocol=socket -uroot -p"$MARIADB_ROOT_PASSWORD" <<SQL
CREATE DATABASE IF NOT EXISTS aiworker CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci;
CREATE USER IF NOT EXISTS 'aiworker'@'%' IDENTIFIED BY '$AIWORKER_DB_PASSWORD';
GRANT ALL PRIVILEGES ON aiworker.* TO 'aiworker'@'%';
CREATE DATABASE IF NOT EXISTS gitea CHARACTER SET utf8mb4 COLLATE utf8mb4_bin;
CREATE USER IF NOT EXISTS 'gitea'@'%' IDENTIFIED BY '$GITEA_DB_PASSWORD';
GRANT ALL PRIVILEGES ON gitea.* TO 'gitea'@'%';
SQL
