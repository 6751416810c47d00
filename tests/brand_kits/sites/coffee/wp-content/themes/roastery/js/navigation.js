/* Toggles the primary menu on small screens. */
(function () {
	var button = document.querySelector(".menu-toggle");
	var menu = document.getElementById("primary-menu");
	if (!button || !menu) {
		return;
	}
	button.addEventListener("click", function () {
		var open = button.getAttribute("aria-expanded") === "true";
		button.setAttribute("aria-expanded", String(!open));
		menu.classList.toggle("toggled", !open);
	});
})();
