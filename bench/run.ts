// `npm run bench`: the serve benchmark (bench/serve.ts); its flags pass through.
import './serve.js';
