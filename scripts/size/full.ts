// Everything the universal entry exports, kept alive so nothing is tree-shaken (scripts/bundle-size.mjs).
import * as logitkit from 'logitkit';

console.log(Object.keys(logitkit).length, logitkit);
