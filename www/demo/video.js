// Stands in for a video player's own script: sets a cookie the way embedded players do.
document.cookie = "_demo_video=v1." + Math.floor(Date.now() / 1000) + "; path=/; max-age=15552000; SameSite=Lax";
