-- What PostgreSQL 18 adds to the catalogs a snapshot reads: NOT NULL constraints with names (one
-- named by hand, one NO INHERIT, one NOT VALID), a virtual generated column, a temporal primary key
-- and foreign key (WITHOUT OVERLAPS, PERIOD), and constraints NOT ENFORCED.
CREATE TABLE app.rooms (
    building int4range,
    during tstzrange,
    code text CONSTRAINT code_required NOT NULL,
    floor integer NOT NULL NO INHERIT,
    wing text,
    label text GENERATED ALWAYS AS (upper(code)) VIRTUAL,
    PRIMARY KEY (building, during WITHOUT OVERLAPS),
    CONSTRAINT floor_positive CHECK (floor > 0) NOT ENFORCED
);
ALTER TABLE app.rooms ADD CONSTRAINT wing_required NOT NULL wing NOT VALID;
CREATE TABLE app.room_bookings (
    building int4range,
    during tstzrange,
    FOREIGN KEY (building, PERIOD during) REFERENCES app.rooms (building, PERIOD during) NOT ENFORCED
);
