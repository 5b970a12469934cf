-- message: the empty schema every database starts from

-- migrate:up

-- migrate:down
