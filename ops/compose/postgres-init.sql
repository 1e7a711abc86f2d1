-- Run once by the postgres image on an empty data directory (docker-entrypoint-initdb.d), as the
-- superuser. The same roles and databases ops/stack/postgres.ts creates for the embedded stack:
-- the application's, and Apicurio Registry's SQL storage.
CREATE ROLE coupon LOGIN PASSWORD 'coupon';
CREATE DATABASE coupon OWNER coupon;

CREATE ROLE registry LOGIN PASSWORD 'registry';
CREATE DATABASE registry OWNER registry;
