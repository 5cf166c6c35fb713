// Importing this module registers every command that lives in its own file.
import './train.js';
