import '../../local/compat/promise-with-resolvers.ts';
