-- Argo CD health of an AccountSessionPolicy (docs/gitops.md), from the conditions the operator
-- writes for kstatus (docs/status.md):
--   Healthy      in force in its namespace;
--   Degraded     a newer duplicate while an older policy is in force (Stalled): delete one;
--   Progressing  the operator has not handled this generation yet.
local hs = { status = "Progressing", message = "Waiting for the operator" }

local function condition(conditions, type)
  if conditions == nil then
    return nil
  end
  for _, c in ipairs(conditions) do
    if c.type == type then
      return c
    end
  end
  return nil
end

if obj.status == nil then
  return hs
end
local generation = obj.metadata.generation
if generation ~= nil and (obj.status.observedGeneration == nil or obj.status.observedGeneration < generation) then
  hs.message = "Waiting for the operator to handle generation " .. generation
  return hs
end
local stalled = condition(obj.status.conditions, "Stalled")
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = stalled.reason .. ": " .. (stalled.message or "")
  return hs
end
local ready = condition(obj.status.conditions, "Ready")
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = ready.message or "In force"
end
return hs
