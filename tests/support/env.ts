// Tests are quiet unless LOG_LEVEL says otherwise.
process.env.LOG_LEVEL ??= 'silent';
