// Allowed: tests may use root devDependencies.
import { expect, test } from "vitest";
import { Money } from "../src/money";

test("money", () => expect(new Money()).toBeDefined());
