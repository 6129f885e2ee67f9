"""Case exports in the layouts other systems expect (:mod:`.hotline`: 12345 办理结果回传)."""
