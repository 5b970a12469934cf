migrations_runtime::embed!(migrations);

fn main() {}
