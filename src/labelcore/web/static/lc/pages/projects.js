// The projects list is plain server-rendered HTML; this module only loads the catalog.
import { pageData } from "./common.js";

pageData();
