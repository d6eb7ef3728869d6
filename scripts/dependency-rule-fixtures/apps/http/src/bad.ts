import { job } from "../../scheduler/src/index.ts";
import { cruise } from "dependency-cruiser";

export const bad = [job, cruise];
