// Importing this module registers every command that lives in its own file.
import './train.js';
import './evaluate.js';
import './predict.js';
import './info.js';
